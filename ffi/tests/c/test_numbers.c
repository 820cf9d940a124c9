/*
 * Contacts with several numbers through the C API: a contact added with an
 * array of dc_number keeps its valid numbers (a bad one is counted in
 * out_rejected), dc_contact_number_count / dc_contact_number_at read them
 * back with their kind and per-number state, a predictive dial names the
 * number index it dials and moves to the next number after no answer, and
 * dc_campaign_fix_number_at replaces one number (a bad index is an error
 * that changes nothing). dc_campaign_add_contact_numbers_rejected and the
 * bulk dc_campaign_add_contacts_numbers list the numbers left out.
 */
#include "test_common.h"

#define START_MS 1750000000000ULL

static dc_event call_event(dc_event_kind kind, const dc_command *cmd) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.contact = cmd->contact;
  ev.attempt = cmd->attempt;
  return ev;
}

/* The numbers left out of a one-contact and of a bulk add, listed with
 * their contact index, number index and reason; a short array still gets
 * the full count; a bad row fails the bulk add and adds nothing. */
static void rejected_numbers(void) {
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));

  dc_number one[3] = {{"212 555 0100", 0, NULL}, {"555-CALL-NOW", 0, NULL}, {"12", 0, NULL}};
  dc_rejected_number out[4];
  memset(out, 0, sizeof out);
  uint32_t id = 99;
  size_t n = 99;
  MUST(dc_campaign_add_contact_numbers_rejected(c, one, 3, NULL, 0, &id, out, 4, &n));
  EXPECT(id == 0);
  EXPECT(n == 2);
  EXPECT(out[0].contact_index == 0 && out[0].number_index == 1);
  EXPECT(strcmp(out[0].reason, "letters") == 0);
  EXPECT(out[0].error == 2);
  EXPECT(strstr(out[0].message, "555-CALL-NOW") != NULL);
  EXPECT(out[1].number_index == 2 && strcmp(out[1].reason, "too_short") == 0);
  /* Count only. */
  n = 0;
  MUST(dc_campaign_add_contact_numbers_rejected(c, one, 3, NULL, 0, NULL, NULL, 0, &n));
  EXPECT(n == 2);

  dc_number a[2] = {{"312 555 0100", 0, NULL}, {"x", 0, NULL}};
  dc_number b[2] = {{"312 555 0200", 0, NULL}, {"312 555 0201", 2, NULL}};
  dc_number bad[2] = {{"911", 0, NULL}, {"", 0, NULL}};
  dc_contact_numbers rows[3] = {
      {a, 2, "crm-a", 0},
      {b, 2, NULL, 1},
      {bad, 2, "crm-c", 0},
  };
  uint32_t first = 99;
  size_t bad_index = 99;
  memset(out, 0, sizeof out);
  /* Room for one: the count says two. */
  MUST(dc_campaign_add_contacts_numbers(c, rows, 3, &first, &bad_index, out, 1, &n));
  EXPECT(first == 2);
  EXPECT(bad_index == 99);
  EXPECT(n == 2);
  EXPECT(out[0].contact_index == 0 && out[0].number_index == 1);
  EXPECT(strcmp(out[0].reason, "letters") == 0);
  EXPECT(out[1].reason[0] == '\0');
  size_t count = 0;
  MUST(dc_contact_number_count(c, first + 1, &count));
  EXPECT(count == 2);
  uint8_t state = 255;
  MUST(dc_campaign_state(c, first + 2, &state));
  EXPECT(state == DC_STATE_INVALID_RECORD);

  /* An unknown zone in row 1: nothing added, the index says which row. */
  dc_number zoned[1] = {{"312 555 0300", 0, "Nowhere/Land"}};
  dc_contact_numbers bad_rows[2] = {{b, 2, NULL, 0}, {zoned, 1, NULL, 0}};
  size_t before = 0;
  MUST(dc_campaign_contact_count(c, &before));
  EXPECT_STATUS(DC_STATUS_UNKNOWN_TIMEZONE,
                dc_campaign_add_contacts_numbers(c, bad_rows, 2, NULL, &bad_index, out, 4, &n));
  EXPECT(bad_index == 1);
  size_t after = 0;
  MUST(dc_campaign_contact_count(c, &after));
  EXPECT(after == before);
  dc_campaign_free(c);
}

int main(void) {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.default_country = 1;
  cfg.predictive_ratio = 1.0;
  cfg.retry_no_answer.delay_ms = 60000;
  cfg.attempts_per_number = 3;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));

  dc_number numbers[4] = {
      {"(212) 555-0100", 2, NULL},
      {"555-CALL-NOW", 0, NULL},
      {"212 555 0101", 1, "America/Chicago"},
      {"", 0, NULL},
  };
  uint32_t id = 99;
  size_t rejected = 99;
  MUST(dc_campaign_add_contact_numbers(c, numbers, 4, "crm-1", 0, &id, &rejected));
  EXPECT(id == 0);
  EXPECT(rejected == 1);
  size_t count = 0;
  MUST(dc_contact_number_count(c, id, &count));
  EXPECT(count == 2);
  dc_contact_number n;
  MUST(dc_contact_number_at(c, id, 1, &n));
  EXPECT(n.number == 12125550101ULL);
  EXPECT(n.kind == 1);
  EXPECT(!n.current);
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_contact_number_at(c, id, 2, &n));
  EXPECT_STATUS(DC_STATUS_UNKNOWN_CONTACT, dc_contact_number_count(c, 7, &count));
  dc_number bad_kind = {"212 555 0102", 9, NULL};
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT,
                dc_campaign_add_contact_numbers(c, &bad_kind, 1, NULL, 0, NULL, NULL));

  uint32_t op;
  MUST(dc_campaign_add_operator(c, &op));
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.operator_id = op;
  ev.kind = DC_EVENT_KIND_OPERATOR_LOGIN;
  MUST(dc_campaign_handle(c, &ev, START_MS));
  ev.kind = DC_EVENT_KIND_OPERATOR_READY;
  MUST(dc_campaign_handle(c, &ev, START_MS));

  /* Dial #0, no answer; a minute later #1. */
  uint64_t now = START_MS;
  uint8_t seen[2] = {255, 255};
  for (int round = 0; round < 2; round++) {
    dc_command cmds[4];
    size_t written = 0;
    MUST(dc_campaign_poll(c, now, cmds, 4, &written));
    EXPECT(written == 1);
    if (written == 1) {
      EXPECT(cmds[0].kind == DC_COMMAND_KIND_DIAL);
      seen[round] = cmds[0].number_index;
      EXPECT(cmds[0].number == (round == 0 ? 12125550100ULL : 12125550101ULL));
      dc_event e = call_event(DC_EVENT_KIND_UNREACHABLE, &cmds[0]);
      MUST(dc_campaign_handle(c, &e, now + 1000));
    }
    now += 62000;
  }
  EXPECT(seen[0] == 0 && seen[1] == 1);
  MUST(dc_contact_number_at(c, id, 1, &n));
  EXPECT(n.attempts == 1);
  MUST(dc_contact_number_at(c, id, 0, &n));
  EXPECT(n.attempts == 1);
  EXPECT(n.current);

  uint8_t state = 255;
  MUST(dc_campaign_fix_number_at(c, id, 1, "212 555 0199", NULL, &state));
  MUST(dc_contact_number_at(c, id, 1, &n));
  EXPECT(n.number == 12125550199ULL);
  EXPECT(n.attempts == 0);
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT,
                dc_campaign_fix_number_at(c, id, 5, "212 555 0198", NULL, &state));
  EXPECT_STATUS(DC_STATUS_INVALID_NUMBER,
                dc_campaign_fix_number_at(c, id, 1, "x", NULL, &state));

  dc_campaign_free(c);
  rejected_numbers();
  dc_shutdown();
  return test_finish("test_numbers");
}
