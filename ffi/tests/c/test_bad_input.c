/*
 * Bad input through the C API: NULL everywhere, invalid ids, illegal and
 * stale events, enum values out of range, bad UTF-8, a CSV with garbage.
 * Each gets its own status code and a message; nothing crashes or leaks.
 *
 * Usage: test_bad_input TMPDIR
 */
#include "test_common.h"

static dc_event event_of(dc_event_kind kind) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  return ev;
}

static void config_errors(void) {
  dc_campaign *c = NULL;
  dc_config cfg = dc_config_default();
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_new(NULL, &c));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_new(&cfg, NULL));

  cfg.ring_timeout_ms = 10000;
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_new(&cfg, &c));
  EXPECT(strstr(dc_last_error_message(), "ring_timeout_ms") != NULL);

  cfg = dc_config_default();
  cfg.default_timezone = "Atlantis/Central";
  EXPECT_STATUS(DC_STATUS_UNKNOWN_TIMEZONE, dc_campaign_new(&cfg, &c));

  cfg = dc_config_default();
  cfg.default_timezone = "Europe/\xff\xfe";
  EXPECT_STATUS(DC_STATUS_BAD_UTF8, dc_campaign_new(&cfg, &c));

  cfg = dc_config_default();
  cfg.calling_window = "Mon-Fri 22:00-02:00";
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_new(&cfg, &c));
  EXPECT(strstr(dc_last_error_message(), "calling_window") != NULL);

  cfg = dc_config_default();
  memset(&cfg.mode, 0x7f, sizeof cfg.mode); /* not a dc_mode */
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_new(&cfg, &c));

  cfg = dc_config_default();
  cfg.predictive_ratio = 0.5;
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_new(&cfg, &c));
  EXPECT(c == NULL); /* never written on failure */
}

static void null_campaign(void) {
  dc_event ev = event_of(DC_EVENT_KIND_PAUSE);
  dc_command cmds[2];
  size_t n = 7;
  uint32_t id;
  uint8_t state;
  uint64_t at;
  dc_metrics m;
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_handle(NULL, &ev, 0));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_poll(NULL, 0, cmds, 2, &n));
  EXPECT(n == 0);
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_contact(NULL, "+12125550100", NULL, NULL, 0, &id));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_operator(NULL, &id));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_state(NULL, 0, &state));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_metrics(NULL, 0, &m));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_next_deadline(NULL, &at));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_import_csv(NULL, "x.csv", NULL));
  dc_campaign_free(NULL); /* a no-op */
}

static void bad_arguments(dc_campaign *c) {
  uint32_t id = 0;
  uint8_t state = 0;
  size_t n = 0;
  dc_command cmds[2];
  uint32_t counts[DC_STATE_COUNT];

  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_contact(c, NULL, NULL, NULL, 0, &id));
  EXPECT_STATUS(DC_STATUS_BAD_UTF8, dc_campaign_add_contact(c, "+1212555\xc3", NULL, NULL, 0, &id));
  EXPECT_STATUS(DC_STATUS_UNKNOWN_TIMEZONE,
                dc_campaign_add_contact(c, "+12125550100", "x", "Mars/Olympus", 0, &id));
  /* An invalid number is not an error: the contact is kept for fixing. */
  MUST(dc_campaign_add_contact(c, "555-CALL-NOW", "bad", NULL, 0, &id));
  MUST(dc_campaign_state(c, id, &state));
  EXPECT(state == DC_STATE_INVALID_RECORD);
  EXPECT_STATUS(DC_STATUS_INVALID_NUMBER, dc_campaign_fix_number(c, id, "12#34", &state));
  MUST(dc_campaign_fix_number(c, id, "+1 212 555 0199", &state));
  EXPECT(state == DC_STATE_INITIAL);

  const char *with_null[3] = {"+12125550101", NULL, "+12125550102"};
  size_t before = 0, after = 0;
  MUST(dc_campaign_contact_count(c, &before));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_contacts(c, with_null, 3, 0, &id));
  EXPECT(strstr(dc_last_error_message(), "phones[1]") != NULL);
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_contacts(c, NULL, 3, 0, &id));
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_add_numbers(c, (const uint64_t *)8, SIZE_MAX, 0, &id));
  MUST(dc_campaign_contact_count(c, &after));
  EXPECT(before == after); /* nothing added by the failed calls */
  MUST(dc_campaign_add_contacts(c, NULL, 0, 0, NULL)); /* empty is fine */

  /* Integers pass the same number gate as text: 911, 1911 (+1 911) and a
   * 20-digit value are kept as invalid records, never dialed. */
  const uint64_t integers[4] = {911, 1911, UINT64_MAX, 12125550150u};
  uint32_t first = 0;
  MUST(dc_campaign_add_numbers(c, integers, 4, 0, &first));
  for (uint32_t i = 0; i < 3; i++) {
    MUST(dc_campaign_state(c, first + i, &state));
    EXPECT(state == DC_STATE_INVALID_RECORD);
  }
  MUST(dc_campaign_state(c, first + 3, &state));
  EXPECT(state == DC_STATE_INITIAL);

  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_poll(c, 0, NULL, 2, &n));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_poll(c, 0, cmds, 2, NULL));
  MUST(dc_campaign_poll(c, 0, NULL, 0, &n)); /* runs the engine, keeps the commands */
  EXPECT(n == 0);
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_counts(c, NULL, DC_STATE_COUNT, &n));
  MUST(dc_campaign_counts(c, counts, 3, &n));
  EXPECT(n == 3);
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_state(c, 0, NULL));
  EXPECT_STATUS(DC_STATUS_UNKNOWN_CONTACT, dc_campaign_state(c, 123456, &state));
  EXPECT_STATUS(DC_STATUS_UNKNOWN_OPERATOR, dc_campaign_operator_state(c, 77, &state));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_add_operator(c, NULL));
}

static void bad_events(dc_campaign *c) {
  uint32_t op = 0;
  MUST(dc_campaign_add_operator(c, &op));
  dc_event ev = event_of(DC_EVENT_KIND_ANSWERED);

  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_handle(c, NULL, 0));
  memset(&ev.kind, 0x55, sizeof ev.kind); /* not a dc_event_kind */
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_handle(c, &ev, 0));

  ev = event_of(DC_EVENT_KIND_ANSWERED);
  ev.contact = 999999;
  ev.attempt = 1;
  EXPECT_STATUS(DC_STATUS_UNKNOWN_CONTACT, dc_campaign_handle(c, &ev, 0));
  ev.contact = 0; /* never dialed: no such attempt */
  EXPECT_STATUS(DC_STATUS_STALE_CALL, dc_campaign_handle(c, &ev, 0));

  ev = event_of(DC_EVENT_KIND_OPERATOR_READY);
  ev.operator_id = 4242;
  EXPECT_STATUS(DC_STATUS_UNKNOWN_OPERATOR, dc_campaign_handle(c, &ev, 0));
  ev.operator_id = op; /* offline: must log in first */
  EXPECT_STATUS(DC_STATUS_ILLEGAL_OPERATOR_EVENT, dc_campaign_handle(c, &ev, 0));

  ev = event_of(DC_EVENT_KIND_ACW_DONE);
  ev.operator_id = op;
  memset(&ev.disposition, 0x33, sizeof ev.disposition);
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_handle(c, &ev, 0));

  ev = event_of(DC_EVENT_KIND_REMOVE);
  ev.contact = 0;
  MUST(dc_campaign_handle(c, &ev, 0));
  EXPECT_STATUS(DC_STATUS_ILLEGAL_TRANSITION, dc_campaign_handle(c, &ev, 0));

  ev = event_of(DC_EVENT_KIND_CANCEL);
  MUST(dc_campaign_handle(c, &ev, 0));
  ev = event_of(DC_EVENT_KIND_RESUME);
  EXPECT_STATUS(DC_STATUS_CANCELED, dc_campaign_handle(c, &ev, 0));
}

static void bad_csv(const char *tmpdir) {
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  dc_import_report r;

  static const char garbage[] =
      "phone,external_id,timezone,color\n"
      "+1 212 555 0100,a,America/Chicago,red\n"
      "call me maybe,b,,blue\n"          /* invalid number: kept as InvalidRecord */
      "212 555 0101,c,Atlantis/Central,\n" /* unknown zone: row error */
      "1,2\n"                            /* field count: row error */
      "212\xff 555 0102,d,,\n"           /* bad UTF-8: row error */
      "\n"
      "+1 212 555 0100,e,,\n";           /* duplicate in file */
  MUST(dc_campaign_import_csv_buffer(c, (const uint8_t *)garbage, sizeof garbage - 1, &r));
  EXPECT(r.rows == 6);
  EXPECT(r.valid == 2);
  EXPECT(r.invalid == 1);
  EXPECT(r.row_errors == 3);
  EXPECT(r.first_row_error_line == 4);
  EXPECT(r.duplicates_in_file == 1);
  EXPECT(r.contacts == 3 && r.first_contact == 0);
  EXPECT(r.ignored_columns == 1);

  static const char no_phone[] = "name,email\nx,y\n";
  EXPECT_STATUS(DC_STATUS_BAD_CSV,
                dc_campaign_import_csv_buffer(c, (const uint8_t *)no_phone, sizeof no_phone - 1, &r));
  EXPECT(strstr(dc_last_error_message(), "phone") != NULL);
  EXPECT_STATUS(DC_STATUS_BAD_CSV, dc_campaign_import_csv_buffer(c, NULL, 0, &r));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_import_csv_buffer(c, NULL, 10, &r));

  char path[512];
  snprintf(path, sizeof path, "%s/does-not-exist.csv", tmpdir);
  EXPECT_STATUS(DC_STATUS_IO, dc_campaign_import_csv(c, path, &r));
  EXPECT(strstr(dc_last_error_message(), "does-not-exist.csv") != NULL);
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_import_csv(c, NULL, &r));

  snprintf(path, sizeof path, "%s/list.csv", tmpdir);
  FILE *f = fopen(path, "wb");
  EXPECT(f != NULL);
  if (f != NULL) {
    fputs(garbage, f);
    fclose(f);
    MUST(dc_campaign_import_csv(c, path, NULL)); /* report is optional */
    size_t n = 0;
    MUST(dc_campaign_contact_count(c, &n));
    EXPECT(n == 6);
    remove(path);
  }
  dc_campaign_free(c);
}

static void strings(void) {
  EXPECT(strcmp(dc_state_name(DC_STATE_AWAITING_OPERATOR), "Awaiting for free operator") == 0);
  EXPECT(strcmp(dc_state_name(DC_STATE_BCW), "BCW") == 0);
  EXPECT(strcmp(dc_state_name(DC_STATE_NOT_REACHED), "Not reached") == 0);
  EXPECT(strcmp(dc_state_name(17), "unknown") == 0);
  EXPECT(strcmp(dc_state_name(255), "unknown") == 0);
  EXPECT(strcmp(dc_status_name(DC_STATUS_STALE_CALL), "DC_STATUS_STALE_CALL") == 0);
  EXPECT(strcmp(dc_status_name(1000), "unknown") == 0);
  EXPECT(strcmp(dc_version(), DIALCORE_VERSION) == 0);

  /* The copy variant truncates and always terminates. */
  dc_campaign *c = NULL;
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_new(NULL, &c));
  size_t len = dc_last_error_copy(NULL, 0);
  EXPECT(len == strlen(dc_last_error_message()));
  char small[5];
  EXPECT(dc_last_error_copy(small, sizeof small) == len);
  EXPECT(strlen(small) == 4 && strncmp(small, dc_last_error_message(), 4) == 0);
}

int main(int argc, char **argv) {
  const char *tmpdir = argc > 1 ? argv[1] : "/tmp";
  config_errors();
  null_campaign();

  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  bad_arguments(c);
  bad_events(c);
  dc_campaign_free(c);

  bad_csv(tmpdir);
  strings();
  dc_shutdown(); /* frees the time-zone cache: valgrind sees no leak */
  return test_finish("test_bad_input (NULLs, bad ids, illegal events, garbage CSV)");
}
