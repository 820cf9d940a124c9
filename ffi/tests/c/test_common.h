/* Shared helpers of the C tests of libdialcore. */
#ifndef DIALCORE_TEST_COMMON_H
#define DIALCORE_TEST_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialcore.h"

static int test_failures = 0;

/* A check that must hold; reports the line and goes on. */
#define EXPECT(cond)                                                        \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);  \
      test_failures++;                                                      \
    }                                                                       \
  } while (0)

/* A call that must succeed; aborts the test with the library's message. */
#define MUST(call)                                                          \
  do {                                                                      \
    dc_status must_status_ = (call);                                        \
    if (must_status_ != DC_STATUS_OK) {                                     \
      fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__,    \
              #call, dc_status_name(must_status_), dc_last_error_message()); \
      exit(1);                                                              \
    }                                                                       \
  } while (0)

/* A call that must fail with `expected`, leaving a non-empty message. */
#define EXPECT_STATUS(expected, call)                                       \
  do {                                                                      \
    dc_status got_ = (call);                                                \
    if (got_ != (expected)) {                                               \
      fprintf(stderr, "%s:%d: %s returned %s, expected %s (%s)\n",          \
              __FILE__, __LINE__, #call, dc_status_name(got_),              \
              dc_status_name(expected), dc_last_error_message());           \
      test_failures++;                                                      \
    } else if ((expected) != DC_STATUS_OK &&                                \
               dc_last_error_message()[0] == '\0') {                        \
      fprintf(stderr, "%s:%d: %s gave no error message\n", __FILE__,        \
              __LINE__, #call);                                             \
      test_failures++;                                                      \
    }                                                                       \
  } while (0)

static int test_finish(const char *name) {
  if (test_failures == 0) {
    printf("ok   %s\n", name);
    return 0;
  }
  printf("FAIL %s (%d checks failed)\n", name, test_failures);
  return 1;
}

#endif
