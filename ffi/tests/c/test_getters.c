/* The getters of libdialcore: a contact's numbers, external id, time zone,
 * attempts, last outcome and due time; an operator's current contact and
 * call; contacts in a state, paged; the CSV import report row by row. */
#include "test_common.h"

#define T0 1767603600000ULL

static void test_contact_and_operator(void) {
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  cfg.bcw_ms = 0;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  uint32_t id;
  MUST(dc_campaign_add_contact(c, "212-555-0100", "crm-000042", "America/New_York", 2, &id));
  uint32_t bad;
  MUST(dc_campaign_add_contact(c, "not a number", NULL, NULL, 0, &bad));

  dc_contact_info info;
  MUST(dc_campaign_contact_info(c, id, &info));
  EXPECT(info.state == DC_STATE_INITIAL);
  EXPECT(info.number == 12125550100ULL && info.number_count == 1);
  EXPECT(info.attempts == 0 && info.last_outcome == DC_OUTCOME_NONE);
  EXPECT(info.priority == 2);
  EXPECT(info.due_ms == DC_NONE_U64 && info.operator_id == DC_NONE_U32 && info.call_attempt == 0);

  uint64_t numbers[4];
  size_t n = 9;
  MUST(dc_campaign_contact_numbers(c, id, numbers, 4, &n));
  EXPECT(n == 1 && numbers[0] == 12125550100ULL);
  MUST(dc_campaign_contact_numbers(c, bad, numbers, 4, &n));
  EXPECT(n == 0);

  /* Strings are copied, snprintf style. */
  char buf[64];
  size_t needed = 0;
  MUST(dc_campaign_contact_external_id(c, id, buf, sizeof buf, &needed));
  EXPECT(strcmp(buf, "crm-000042") == 0 && needed == 10);
  char small[5];
  MUST(dc_campaign_contact_external_id(c, id, small, sizeof small, &needed));
  EXPECT(strcmp(small, "crm-") == 0 && needed == 10);
  MUST(dc_campaign_contact_external_id(c, id, NULL, 0, &needed));
  EXPECT(needed == 10);
  MUST(dc_campaign_contact_timezone(c, id, buf, sizeof buf, &needed));
  EXPECT(strcmp(buf, "America/New_York") == 0);
  MUST(dc_campaign_contact_external_id(c, bad, buf, sizeof buf, &needed));
  EXPECT(buf[0] == '\0' && needed == 0);

  EXPECT_STATUS(DC_STATUS_UNKNOWN_CONTACT, dc_campaign_contact_info(c, 99, &info));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_contact_info(c, id, NULL));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_contact_external_id(c, id, NULL, 4, &needed));

  /* An operator takes the contact: both sides show the call. */
  uint32_t op;
  MUST(dc_campaign_add_operator(c, &op));
  dc_operator_work work;
  MUST(dc_campaign_operator_work(c, op, &work));
  EXPECT(work.state == DC_OPERATOR_STATE_OFFLINE && work.contact == DC_NONE_U32);
  EXPECT_STATUS(DC_STATUS_UNKNOWN_OPERATOR, dc_campaign_operator_work(c, 7, &work));

  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.operator_id = op;
  ev.kind = DC_EVENT_KIND_OPERATOR_LOGIN;
  MUST(dc_campaign_handle(c, &ev, T0));
  ev.kind = DC_EVENT_KIND_OPERATOR_READY;
  MUST(dc_campaign_handle(c, &ev, T0));
  dc_command cmds[8];
  MUST(dc_campaign_poll(c, T0, cmds, 8, &n));
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_OFFER && cmds[0].contact == id);
  MUST(dc_campaign_operator_work(c, op, &work));
  EXPECT(work.contact == id && work.call_attempt == 0);
  ev.kind = DC_EVENT_KIND_OPERATOR_ACCEPTED;
  ev.contact = id;
  MUST(dc_campaign_handle(c, &ev, T0));
  MUST(dc_campaign_poll(c, T0, cmds, 8, &n));
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_DIAL);
  MUST(dc_campaign_contact_info(c, id, &info));
  EXPECT(info.state == DC_STATE_CALLING && info.attempts == 1);
  EXPECT(info.operator_id == op && info.call_attempt == cmds[0].attempt);
  EXPECT(info.due_ms == T0 + cfg.ring_timeout_ms);
  MUST(dc_campaign_operator_work(c, op, &work));
  EXPECT(work.contact == id && work.call_attempt == cmds[0].attempt);
  EXPECT(work.state != DC_OPERATOR_STATE_OFFLINE);

  memset(&ev, 0, sizeof ev);
  ev.kind = DC_EVENT_KIND_REJECTED;
  ev.contact = id;
  ev.attempt = cmds[0].attempt;
  MUST(dc_campaign_handle(c, &ev, T0 + 4000));
  MUST(dc_campaign_contact_info(c, id, &info));
  EXPECT(info.state == DC_STATE_RETRY_SCHEDULED);
  EXPECT(info.last_outcome == DC_OUTCOME_BUSY);
  EXPECT(strcmp(dc_outcome_name(info.last_outcome), "busy") == 0);
  EXPECT(strcmp(dc_outcome_name(200), "unknown") == 0);
  EXPECT(info.due_ms == T0 + 4000 + cfg.retry_busy.delay_ms);
  EXPECT(info.operator_id == DC_NONE_U32 && info.call_attempt == 0);
  dc_campaign_free(c);
}

static void test_contacts_in_state_paged(void) {
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  int initial = 0;
  for (int i = 0; i < 50; i++) {
    char phone[32];
    uint32_t id;
    if (i % 4 == 1) {
      snprintf(phone, sizeof phone, "bad-%d", i);
    } else {
      snprintf(phone, sizeof phone, "212-555-%04d", 1000 + i);
      initial++;
    }
    MUST(dc_campaign_add_contact(c, phone, NULL, NULL, 0, &id));
  }
  size_t pages[] = {1, 3, 7, 64};
  for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
    uint32_t buf[64];
    uint32_t start = 0, last = 0;
    int seen = 0, ordered = 1;
    size_t n;
    do {
      MUST(dc_campaign_contacts_in_state(c, DC_STATE_INITIAL, start, buf, pages[p], &n));
      for (size_t i = 0; i < n; i++) {
        uint8_t st;
        MUST(dc_campaign_state(c, buf[i], &st));
        EXPECT(st == DC_STATE_INITIAL);
        if (seen > 0 && buf[i] <= last) ordered = 0;
        last = buf[i];
        seen++;
      }
      if (n > 0) start = buf[n - 1] + 1;
    } while (n == pages[p]);
    EXPECT(seen == initial && ordered);
  }
  uint32_t one;
  size_t n;
  MUST(dc_campaign_contacts_in_state(c, DC_STATE_INVALID_RECORD, 0, &one, 1, &n));
  EXPECT(n == 1 && one == 1);
  MUST(dc_campaign_contacts_in_state(c, DC_STATE_INITIAL, 1000, &one, 1, &n));
  EXPECT(n == 0);
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_contacts_in_state(c, 17, 0, &one, 1, &n));
  dc_campaign_free(c);
}

static void test_import_rows(const char *dir) {
  char path[512];
  snprintf(path, sizeof path, "%s/getters.csv", dir);
  FILE *f = fopen(path, "w");
  if (!f) {
    fprintf(stderr, "cannot write %s\n", path);
    exit(1);
  }
  fputs("phone,external_id,timezone\n"
        "212-555-0100,a,UTC\n"          /* line 2: added, contact 0 */
        "\n"                            /* line 3: blank, not a row */
        "212-555-0101,b,Nowhere/Land\n" /* line 4: skipped */
        "12,c,UTC\n"                    /* line 5: InvalidRecord, contact 1 */
        "212-555-0102,d\n"              /* line 6: skipped, field count */
        "212-555-0103,e,UTC\n",         /* line 7: added, contact 2 */
        f);
  fclose(f);
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  dc_import_report rep;
  dc_import_rows *rows = NULL;
  MUST(dc_campaign_import_csv_rows(c, path, &rep, &rows));
  EXPECT(rep.rows == 5 && rep.contacts == 3 && rep.row_errors == 2);
  size_t nrows = 0, nbad = 0;
  MUST(dc_import_rows_len(rows, &nrows, &nbad));
  EXPECT(nrows == 5 && nbad == 3);

  dc_import_row r[8];
  size_t n;
  MUST(dc_import_rows_get(rows, 0, r, 8, &n));
  EXPECT(n == 5);
  EXPECT(r[0].line == 2 && r[0].contact == 0 && r[0].status == DC_ROW_STATUS_ADDED);
  EXPECT(r[1].line == 4 && r[1].contact == DC_NONE_U32 && r[1].status == DC_ROW_STATUS_SKIPPED);
  EXPECT(r[2].line == 5 && r[2].contact == 1 && r[2].status == DC_ROW_STATUS_INVALID_RECORD);
  EXPECT(r[3].line == 6 && r[3].status == DC_ROW_STATUS_SKIPPED);
  EXPECT(r[4].line == 7 && r[4].contact == 2 && r[4].status == DC_ROW_STATUS_ADDED);
  /* Paged: two at a time from row 3. */
  MUST(dc_import_rows_get(rows, 3, r, 2, &n));
  EXPECT(n == 2 && r[0].line == 6 && r[1].line == 7);
  MUST(dc_import_rows_get(rows, 9, r, 2, &n));
  EXPECT(n == 0);

  dc_bad_row b[2];
  MUST(dc_import_rows_bad(rows, 0, b, 2, &n));
  EXPECT(n == 2);
  EXPECT(b[0].line == 4 && strcmp(b[0].reason, "unknown_timezone") == 0);
  EXPECT(strstr(b[0].message, "Nowhere/Land") != NULL);
  EXPECT(b[1].line == 5 && b[1].contact == 1 && b[1].status == DC_ROW_STATUS_INVALID_RECORD);
  EXPECT(strcmp(b[1].reason, "too_short") == 0);
  MUST(dc_import_rows_bad(rows, 2, b, 2, &n));
  EXPECT(n == 1 && b[0].line == 6 && strcmp(b[0].reason, "field_count") == 0);
  dc_import_rows_free(rows);
  dc_import_rows_free(NULL);

  /* The same list from memory: the same report, row for row. */
  static const char list[] = "phone,external_id,timezone\n"
                             "212-555-0110,a,UTC\n"
                             "\n"
                             "212-555-0111,b,Nowhere/Land\n"
                             "12,c,UTC\n"
                             "212-555-0112,d\n"
                             "212-555-0113,e,UTC\n";
  dc_import_rows *mem = NULL;
  MUST(dc_campaign_import_csv_buffer_rows(c, (const uint8_t *)list, sizeof list - 1, &rep, &mem));
  EXPECT(rep.rows == 5 && rep.contacts == 3 && rep.row_errors == 2);
  MUST(dc_import_rows_len(mem, &nrows, &nbad));
  EXPECT(nrows == 5 && nbad == 3);
  MUST(dc_import_rows_get(mem, 0, r, 8, &n));
  EXPECT(n == 5);
  EXPECT(r[0].line == 2 && r[0].contact == 3 && r[0].status == DC_ROW_STATUS_ADDED);
  EXPECT(r[1].line == 4 && r[1].status == DC_ROW_STATUS_SKIPPED);
  EXPECT(r[2].line == 5 && r[2].contact == 4 && r[2].status == DC_ROW_STATUS_INVALID_RECORD);
  EXPECT(r[4].line == 7 && r[4].contact == 5);
  MUST(dc_import_rows_bad(mem, 2, b, 2, &n));
  EXPECT(n == 1 && b[0].line == 6 && strcmp(b[0].reason, "field_count") == 0);
  dc_import_rows_free(mem);
  dc_import_rows *none = NULL;
  EXPECT_STATUS(DC_STATUS_NULL_POINTER,
                dc_campaign_import_csv_buffer_rows(c, NULL, 4, NULL, &none));
  EXPECT(none == NULL);

  dc_import_rows *untouched = NULL;
  snprintf(path, sizeof path, "%s/no-such-file.csv", dir);
  EXPECT_STATUS(DC_STATUS_IO, dc_campaign_import_csv_rows(c, path, NULL, &untouched));
  EXPECT(untouched == NULL);
  dc_campaign_free(c);
}

/* dc_shutdown empties the time-zone cache; campaigns made afterwards fill
 * it again and work as before. */
static void test_shutdown_then_reuse(void) {
  dc_shutdown();
  dc_config cfg = dc_config_default();
  cfg.default_timezone = "Europe/Berlin";
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  uint32_t id;
  MUST(dc_campaign_add_contact(c, "+4930123456", NULL, "Asia/Tokyo", 0, &id));
  char tz[32];
  size_t needed;
  MUST(dc_campaign_contact_timezone(c, id, tz, sizeof tz, &needed));
  EXPECT(strcmp(tz, "Asia/Tokyo") == 0);
  dc_campaign_free(c);
}

int main(int argc, char **argv) {
  test_contact_and_operator();
  test_contacts_in_state_paged();
  test_import_rows(argc > 1 ? argv[1] : ".");
  test_shutdown_then_reuse();
  dc_shutdown();
  return test_finish("test_getters");
}
