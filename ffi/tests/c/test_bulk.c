/*
 * Bulk contact adds through the C API (dc_campaign_add_contact_rows): the
 * first bad row (unknown time zone, NULL phone, past the contact limit) is
 * named by index and nothing is added; good rows get consecutive ids with
 * their fields; a durable campaign journals the whole add as one record
 * (its journal grows by a few records, not one per contact) and recovers it
 * whole after a reopen.
 *
 * argv[1] is a scratch directory (scripts/test-c passes its own).
 */
#define _XOPEN_SOURCE 700

#include "test_common.h"

#include <stdlib.h>
#include <unistd.h>

#define ROWS 1000

static char phones[ROWS][32];
static char ext[ROWS][16];
static dc_new_contact rows[ROWS];

static dc_config config(void) {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PROGRESSIVE;
  cfg.default_country = 1;
  return cfg;
}

static void fill_rows(void) {
  for (int i = 0; i < ROWS; i++) {
    if (i % 100 == 50) {
      snprintf(phones[i], sizeof phones[i], "no number %d", i);
    } else {
      snprintf(phones[i], sizeof phones[i], "(212) 5%02d-%04d", i / 1000, i % 10000);
    }
    snprintf(ext[i], sizeof ext[i], "crm-%d", i);
    rows[i].phone = phones[i];
    rows[i].external_id = (i % 2 == 0) ? ext[i] : NULL;
    rows[i].timezone = (i % 3 == 0) ? "America/Chicago" : NULL;
    rows[i].priority = (uint8_t)(i % 5);
  }
}

static size_t contact_count(const dc_campaign *c) {
  size_t n = 12345;
  MUST(dc_campaign_contact_count(c, &n));
  return n;
}

static uint8_t state_of(const dc_campaign *c, uint32_t id) {
  uint8_t s = 255;
  MUST(dc_campaign_state(c, id, &s));
  return s;
}

/* Bad rows are named and add nothing; good rows are added whole. */
static void in_memory(void) {
  dc_config cfg = config();
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));

  dc_new_contact bad[4] = {
      {"+1 212 555 0100", "a", NULL, 0},
      {"+1 212 555 0101", NULL, "America/Denver", 1},
      {"+1 212 555 0102", NULL, NULL, 2},
      {"+1 212 555 0103", NULL, "Atlantis/Capital", 3},
  };
  uint32_t first = 77;
  size_t bad_index = 99;
  EXPECT_STATUS(DC_STATUS_UNKNOWN_TIMEZONE,
                dc_campaign_add_contact_rows(c, bad, 4, &first, &bad_index));
  EXPECT(bad_index == 3);
  EXPECT(first == 77);
  EXPECT(strstr(dc_last_error_message(), "row 3") != NULL);
  EXPECT(strstr(dc_last_error_message(), "Atlantis/Capital") != NULL);
  EXPECT(contact_count(c) == 0);

  bad[3].timezone = NULL;
  bad[2].phone = NULL;
  bad_index = 99;
  EXPECT_STATUS(DC_STATUS_NULL_POINTER,
                dc_campaign_add_contact_rows(c, bad, 4, &first, &bad_index));
  EXPECT(bad_index == 2);
  EXPECT(strstr(dc_last_error_message(), "rows[2].phone") != NULL);
  EXPECT(contact_count(c) == 0);

  bad[2].phone = "+1 212 555 0102";
  bad_index = 99;
  MUST(dc_campaign_add_contact_rows(c, bad, 4, &first, &bad_index));
  EXPECT(first == 0);
  EXPECT(bad_index == 99);
  EXPECT(contact_count(c) == 4);

  /* Past the contact limit: the first row that does not fit is named. */
  MUST(dc_campaign_set_contact_limit(c, 6));
  EXPECT_STATUS(DC_STATUS_FULL, dc_campaign_add_contact_rows(c, rows, 3, &first, &bad_index));
  EXPECT(bad_index == 2);
  EXPECT(contact_count(c) == 4);
  MUST(dc_campaign_add_contact_rows(c, rows, 2, &first, NULL));
  EXPECT(first == 4);
  EXPECT(contact_count(c) == 6);

  /* NULL rows are fine with count 0 only. */
  MUST(dc_campaign_add_contact_rows(c, NULL, 0, NULL, NULL));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_contact_rows(c, NULL, 1, NULL, NULL));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER,
                dc_campaign_add_contact_rows(NULL, rows, 1, NULL, NULL));
  dc_campaign_free(c);
}

/* One journal record for the whole add, recovered whole. */
static void durable(const char *base) {
  char dir[600];
  snprintf(dir, sizeof dir, "%s/bulk.XXXXXX", base);
  if (mkdtemp(dir) == NULL) {
    perror(dir);
    exit(1);
  }
  dc_config cfg = config();
  dc_durable_options opts = dc_durable_options_default();
  dc_campaign *c = NULL;
  MUST(dc_campaign_open(dir, &cfg, &opts, NULL, &c));
  uint64_t gen = 0, before = 0, after = 0, bytes = 0;
  MUST(dc_campaign_journal_position(c, &gen, &before, &bytes));
  uint32_t first = 77;
  MUST(dc_campaign_add_contact_rows(c, rows, ROWS, &first, NULL));
  EXPECT(first == 0);
  MUST(dc_campaign_journal_position(c, &gen, &after, &bytes));
  /* Zone records (the campaign's zones, on first use), then the rows as
   * one record: a handful of records, not one per contact. */
  if (after - before > 3) {
    fprintf(stderr, "journal records: %llu -> %llu\n", (unsigned long long)before,
            (unsigned long long)after);
  }
  EXPECT(after > before && after - before <= 3);
  dc_campaign_free(c);

  c = NULL;
  dc_recovery_report rep;
  MUST(dc_campaign_open(dir, &cfg, &opts, &rep, &c));
  EXPECT(!rep.damaged);
  EXPECT(contact_count(c) == ROWS);
  EXPECT(state_of(c, 0) == DC_STATE_INITIAL);
  EXPECT(state_of(c, 50) == DC_STATE_INVALID_RECORD);
  EXPECT(state_of(c, ROWS - 1) == DC_STATE_INITIAL);
  uint32_t counts[DC_STATE_COUNT];
  size_t written = 0;
  MUST(dc_campaign_counts(c, counts, DC_STATE_COUNT, &written));
  EXPECT(counts[DC_STATE_INVALID_RECORD] == ROWS / 100);
  EXPECT(counts[DC_STATE_INITIAL] == ROWS - ROWS / 100);
  dc_campaign_free(c);
}

int main(int argc, char **argv) {
  const char *base = argc > 1 ? argv[1] : "/tmp";
  fill_rows();
  in_memory();
  durable(base);
  /* Frees the time-zone cache, so valgrind sees no block possibly lost. */
  dc_shutdown();
  return test_finish("test_bulk");
}
