/*
 * Issue 13 through the header: every case of "What was found" that the
 * C API can reach.
 *  1. A decision taken by dc_campaign_handle (an accept with bcw_ms = 0,
 *     "Call" in BCW) is never handed out by a later poll without the guards
 *     checked then: BlacklistAdd, Pause, Cancel, or a closed window in
 *     between mean no Dial (and no Dial + Hangup together).
 *  2. dc_campaign_add_numbers does not take any integer: 911 and UINT64_MAX
 *     are InvalidRecord and never dialed.
 *  3. The wake-up contract: after an event that leaves work due,
 *     dc_campaign_pending > 0 and dc_campaign_next_deadline is now.
 *  4. The abandon budget cannot be overspent: with the default worst-case
 *     guard a pacer asking for 5 calls per ready operator gets one call per
 *     ready operator while nothing answered has earned a budget; the
 *     expected-risk guard (DC_ABANDON_GUARD_EXPECTED) lets the ratio through.
 *  5. Times past DC_MAX_TIME_MS are DC_STATUS_TIME_OUT_OF_RANGE everywhere,
 *     naming the value, and change nothing; times at the end work.
 *  6. One contact limit: adding past it is DC_STATUS_FULL before anything
 *     changes (tested through dc_campaign_set_contact_limit).
 * Also: a command held back by `cap` passes the guards again when handed out.
 */
#include "test_common.h"

/* 2025-06-02 12:00Z, a Monday. */
#define MON_12Z 1748865600000ULL
#define HOUR 3600000ULL
#define DAY (24 * HOUR)
#define NUMBER 12125550100ULL

static dc_event event(dc_event_kind kind) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  return ev;
}

static dc_event op_event(dc_event_kind kind, uint32_t op, uint32_t contact) {
  dc_event ev = event(kind);
  ev.operator_id = op;
  ev.contact = contact;
  return ev;
}

static uint8_t state_of(dc_campaign *c, uint32_t contact) {
  uint8_t s = 255;
  MUST(dc_campaign_state(c, contact, &s));
  return s;
}

static size_t pending_of(dc_campaign *c) {
  size_t n = 0;
  MUST(dc_campaign_pending(c, &n));
  return n;
}

static uint64_t deadline_of(dc_campaign *c) {
  uint64_t at = 0;
  MUST(dc_campaign_next_deadline(c, &at));
  return at;
}

/* Polls at `now` into `cmds` (room for 16); returns how many. */
static size_t poll_at(dc_campaign *c, uint64_t now, dc_command *cmds) {
  size_t n = 0;
  MUST(dc_campaign_poll(c, now, cmds, 16, &n));
  return n;
}

static size_t count_kind(const dc_command *cmds, size_t n, dc_command_kind kind) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (cmds[i].kind == kind) k++;
  }
  return k;
}

static uint32_t ready_operator(dc_campaign *c, uint64_t now) {
  uint32_t op = 0;
  MUST(dc_campaign_add_operator(c, &op));
  dc_event ev = op_event(DC_EVENT_KIND_OPERATOR_LOGIN, op, 0);
  MUST(dc_campaign_handle(c, &ev, now));
  ev.kind = DC_EVENT_KIND_OPERATOR_READY;
  MUST(dc_campaign_handle(c, &ev, now));
  return op;
}

static dc_campaign *campaign(dc_mode mode, uint64_t bcw_ms, const char *window) {
  dc_config cfg = dc_config_default();
  cfg.mode = mode;
  cfg.default_country = 1;
  cfg.default_timezone = "UTC";
  cfg.bcw_ms = bcw_ms;
  cfg.calling_window = window;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  return c;
}

/* Preview, bcw_ms = 0: one contact offered and accepted at `now`. */
static dc_campaign *accepted(const char *window, uint64_t now, uint32_t *op_out) {
  dc_campaign *c = campaign(DC_MODE_PREVIEW, 0, window);
  const char *phone = "+1 212 555 0100";
  MUST(dc_campaign_add_contacts(c, &phone, 1, 0, NULL));
  uint32_t op = ready_operator(c, now);
  dc_command cmds[16];
  size_t n = poll_at(c, now, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_OFFER);
  dc_event ev = op_event(DC_EVENT_KIND_OPERATOR_ACCEPTED, op, 0);
  MUST(dc_campaign_handle(c, &ev, now));
  /* Case 3: the accept made the dial due: poll now. */
  EXPECT(pending_of(c) > 0);
  EXPECT(deadline_of(c) == now);
  EXPECT(state_of(c, 0) == DC_STATE_BCW);
  *op_out = op;
  return c;
}

/* The poll after a withdrawn accept: no Dial, no Hangup, a Revoke. */
static void expect_withdrawn(dc_campaign *c, uint64_t now) {
  dc_command cmds[16];
  size_t n = poll_at(c, now, cmds);
  EXPECT(count_kind(cmds, n, DC_COMMAND_KIND_DIAL) == 0);
  EXPECT(count_kind(cmds, n, DC_COMMAND_KIND_HANGUP) == 0);
  EXPECT(count_kind(cmds, n, DC_COMMAND_KIND_REVOKE) == 1);
  dc_metrics m;
  MUST(dc_campaign_metrics(c, now, &m));
  EXPECT(m.dials == 0);
}

/* Accepted, then `ev` before the poll: no Dial, the contact in `expected`. */
static void case1_accept_then(dc_event ev, uint8_t expected) {
  uint32_t op;
  dc_campaign *c = accepted(NULL, MON_12Z, &op);
  MUST(dc_campaign_handle(c, &ev, MON_12Z + 1));
  expect_withdrawn(c, MON_12Z + 2);
  EXPECT(state_of(c, 0) == expected);
  dc_campaign_free(c);
}

static void case1_accept_then_admin(void) {
  dc_event blacklist = event(DC_EVENT_KIND_BLACKLIST_ADD);
  blacklist.number = NUMBER;
  case1_accept_then(blacklist, DC_STATE_BLACKLISTED);
  case1_accept_then(event(DC_EVENT_KIND_PAUSE), DC_STATE_INITIAL);
  case1_accept_then(event(DC_EVENT_KIND_CANCEL), DC_STATE_CANCELED_BY_ADMIN);
}

static void case1_dial_now_then_blacklist(void) {
  dc_campaign *c = campaign(DC_MODE_PROGRESSIVE, 5000, NULL);
  const char *phone = "+1 212 555 0100";
  MUST(dc_campaign_add_contacts(c, &phone, 1, 0, NULL));
  uint32_t op = ready_operator(c, MON_12Z);
  dc_command cmds[16];
  EXPECT(poll_at(c, MON_12Z, cmds) == 1);
  dc_event ev = op_event(DC_EVENT_KIND_OPERATOR_ACCEPTED, op, 0);
  MUST(dc_campaign_handle(c, &ev, MON_12Z));
  ev.kind = DC_EVENT_KIND_OPERATOR_DIAL_NOW;
  MUST(dc_campaign_handle(c, &ev, MON_12Z + 1000));
  EXPECT(pending_of(c) > 0);
  EXPECT(deadline_of(c) == MON_12Z + 1000);
  ev = event(DC_EVENT_KIND_BLACKLIST_ADD);
  ev.number = NUMBER;
  MUST(dc_campaign_handle(c, &ev, MON_12Z + 1000));
  expect_withdrawn(c, MON_12Z + 1000);
  EXPECT(state_of(c, 0) == DC_STATE_BLACKLISTED);
  dc_campaign_free(c);
}

static void case1_accept_before_close_poll_on_saturday(void) {
  uint32_t op;
  uint64_t mon_1959 = MON_12Z + 8 * HOUR - 1; /* 19:59:59.999 */
  dc_campaign *c = accepted("Mon-Fri 09:00-20:00", mon_1959, &op);
  expect_withdrawn(c, MON_12Z + 5 * DAY);
  EXPECT(state_of(c, 0) == DC_STATE_INITIAL); /* parked for its window */
  /* It wakes at the next opening, Monday 09:00. */
  EXPECT(deadline_of(c) == MON_12Z + 7 * DAY - 3 * HOUR);
  dc_campaign_free(c);
}

static void case2_any_integer(void) {
  /* Needs the number gate (issue 13 item 3, the phone work). */
  dc_campaign *c = campaign(DC_MODE_PREDICTIVE, 5000, NULL);
  uint64_t numbers[2] = {911, UINT64_MAX};
  MUST(dc_campaign_add_numbers(c, numbers, 2, 0, NULL));
  EXPECT(state_of(c, 0) == DC_STATE_INVALID_RECORD);
  EXPECT(state_of(c, 1) == DC_STATE_INVALID_RECORD);
  ready_operator(c, MON_12Z);
  dc_command cmds[16];
  EXPECT(count_kind(cmds, poll_at(c, MON_12Z, cmds), DC_COMMAND_KIND_DIAL) == 0);
  dc_campaign_free(c);
}

static void case3_answered_with_a_ready_operator(void) {
  dc_campaign *c = campaign(DC_MODE_PREDICTIVE, 5000, NULL);
  const char *phone = "+1 212 555 0100";
  MUST(dc_campaign_add_contacts(c, &phone, 1, 0, NULL));
  uint32_t op = ready_operator(c, MON_12Z);
  dc_command cmds[16];
  size_t n = poll_at(c, MON_12Z, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_DIAL);
  EXPECT(pending_of(c) == 0);
  EXPECT(deadline_of(c) > MON_12Z);
  dc_event ev = event(DC_EVENT_KIND_ANSWERED);
  ev.contact = cmds[0].contact;
  ev.attempt = cmds[0].attempt;
  MUST(dc_campaign_handle(c, &ev, MON_12Z + 3000));
  EXPECT(pending_of(c) > 0);
  EXPECT(deadline_of(c) == MON_12Z + 3000); /* not 22 s away */
  n = poll_at(c, MON_12Z + 3000, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_CONNECT);
  EXPECT(cmds[0].has_operator && cmds[0].operator_id == op);
  EXPECT(pending_of(c) == 0);
  dc_campaign_free(c);
}

/* Predictive, ratio 5, one ready operator: how many dials the first poll makes. */
static size_t first_poll_dials(dc_abandon_guard guard) {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.default_country = 1;
  cfg.default_timezone = "UTC";
  cfg.predictive_ratio = 5.0;
  cfg.abandon_guard = guard;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  const char *phones[10] = {"+1 212 555 0100", "+1 212 555 0101", "+1 212 555 0102",
                            "+1 212 555 0103", "+1 212 555 0104", "+1 212 555 0105",
                            "+1 212 555 0106", "+1 212 555 0107", "+1 212 555 0108",
                            "+1 212 555 0109"};
  MUST(dc_campaign_add_contacts(c, phones, 10, 0, NULL));
  ready_operator(c, MON_12Z);
  dc_command cmds[16];
  size_t n = poll_at(c, MON_12Z, cmds);
  size_t dials = count_kind(cmds, n, DC_COMMAND_KIND_DIAL);
  dc_campaign_free(c);
  return dials;
}

static void case4_abandon_budget(void) {
  EXPECT(dc_config_default().abandon_guard == DC_ABANDON_GUARD_WORST_CASE);
  /* floor((0.03 * 0 - 0) / 0.97) = 0 calls beyond the ready operator. */
  EXPECT(first_poll_dials(DC_ABANDON_GUARD_WORST_CASE) == 1);
  EXPECT(first_poll_dials(DC_ABANDON_GUARD_EXPECTED) == 5);
}

static void case5_time_bounds(void) {
  dc_campaign *c = campaign(DC_MODE_PREDICTIVE, 5000, NULL);
  const char *phone = "+1 212 555 0100";
  MUST(dc_campaign_add_contacts(c, &phone, 1, 0, NULL));
  ready_operator(c, MON_12Z);
  uint64_t bad[3] = {DC_MAX_TIME_MS + 1, UINT64_MAX - 1, UINT64_MAX};
  for (int i = 0; i < 3; i++) {
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)bad[i]);
    dc_event ev = event(DC_EVENT_KIND_PAUSE);
    EXPECT_STATUS(DC_STATUS_TIME_OUT_OF_RANGE, dc_campaign_handle(c, &ev, bad[i]));
    EXPECT(strstr(dc_last_error_message(), text) != NULL);
    dc_command cmds[16];
    size_t n = 99;
    EXPECT_STATUS(DC_STATUS_TIME_OUT_OF_RANGE, dc_campaign_poll(c, bad[i], cmds, 16, &n));
    EXPECT(n == 0);
    EXPECT(strstr(dc_last_error_message(), text) != NULL);
    dc_metrics m;
    EXPECT_STATUS(DC_STATUS_TIME_OUT_OF_RANGE, dc_campaign_metrics(c, bad[i], &m));
  }
  EXPECT(strcmp(dc_status_name(DC_STATUS_TIME_OUT_OF_RANGE), "DC_STATUS_TIME_OUT_OF_RANGE") == 0);
  /* Nothing changed: the contact is still Initial, the campaign not paused. */
  EXPECT(state_of(c, 0) == DC_STATE_INITIAL);
  /* At the very end of 9999 the engine still works; sums saturate. */
  dc_command cmds[16];
  size_t n = poll_at(c, DC_MAX_TIME_MS - 30000, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_DIAL);
  dc_event ev = event(DC_EVENT_KIND_REJECTED);
  ev.contact = cmds[0].contact;
  ev.attempt = cmds[0].attempt;
  MUST(dc_campaign_handle(c, &ev, DC_MAX_TIME_MS));
  EXPECT(state_of(c, 0) == DC_STATE_RETRY_SCHEDULED);
  EXPECT(deadline_of(c) == DC_MAX_TIME_MS); /* an event: poll now */
  EXPECT(poll_at(c, DC_MAX_TIME_MS, cmds) == 0);
  EXPECT(deadline_of(c) > DC_MAX_TIME_MS); /* the retry: not "due in 1970" */
  dc_metrics m;
  MUST(dc_campaign_metrics(c, DC_MAX_TIME_MS, &m));
  EXPECT(m.logged_in_ms >= DC_MAX_TIME_MS - MON_12Z);
  EXPECT(m.talk_ms <= m.logged_in_ms);
  dc_campaign_free(c);
}

static void case6_one_contact_limit(void) {
  dc_campaign *c = campaign(DC_MODE_PREDICTIVE, 5000, NULL);
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT,
                dc_campaign_set_contact_limit(c, DC_MAX_CONTACTS + 1u));
  MUST(dc_campaign_set_contact_limit(c, 2));
  uint64_t numbers[3] = {NUMBER, NUMBER + 1, NUMBER + 2};
  EXPECT_STATUS(DC_STATUS_FULL, dc_campaign_add_numbers(c, numbers, 3, 0, NULL));
  size_t count = 99;
  MUST(dc_campaign_contact_count(c, &count));
  EXPECT(count == 0); /* nothing added */
  MUST(dc_campaign_add_numbers(c, numbers, 2, 0, NULL));
  const char *phone = "+1 212 555 0102";
  EXPECT_STATUS(DC_STATUS_FULL, dc_campaign_add_contacts(c, &phone, 1, 0, NULL));
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_set_contact_limit(c, 1));
  MUST(dc_campaign_contact_count(c, &count));
  EXPECT(count == 2);
  dc_campaign_free(c);
}

static void held_by_cap_then_blacklisted(void) {
  /* Predictive, 3 ready operators: 5 dials, taken one at a time. */
  dc_campaign *c = campaign(DC_MODE_PREDICTIVE, 5000, NULL);
  uint64_t numbers[5] = {NUMBER, NUMBER + 1, NUMBER + 2, NUMBER + 3, NUMBER + 4};
  MUST(dc_campaign_add_numbers(c, numbers, 5, 0, NULL));
  for (int i = 0; i < 3; i++) ready_operator(c, MON_12Z);
  dc_command cmd;
  size_t n = 0;
  MUST(dc_campaign_poll(c, MON_12Z, &cmd, 1, &n));
  EXPECT(n == 1 && cmd.kind == DC_COMMAND_KIND_DIAL);
  size_t held = pending_of(c);
  EXPECT(held >= 2);
  /* Every held dial's number goes on the blacklist: none is handed out. */
  dc_event ev = event(DC_EVENT_KIND_BLACKLIST_ADD);
  for (int i = 0; i < 5; i++) {
    ev.number = numbers[i];
    MUST(dc_campaign_handle(c, &ev, MON_12Z + 1));
  }
  dc_command cmds[16];
  size_t got = poll_at(c, MON_12Z + 1, cmds);
  EXPECT(count_kind(cmds, got, DC_COMMAND_KIND_DIAL) == 0);
  dc_campaign_free(c);
}

int main(void) {
  case1_accept_then_admin();
  case1_dial_now_then_blacklist();
  case1_accept_before_close_poll_on_saturday();
  case2_any_integer();
  case3_answered_with_a_ready_operator();
  case4_abandon_budget();
  case5_time_bounds();
  case6_one_contact_limit();
  held_by_cap_then_blacklisted();
  dc_shutdown(); /* frees the time-zone cache: valgrind sees no leak */
  return test_finish("test_compliance");
}
