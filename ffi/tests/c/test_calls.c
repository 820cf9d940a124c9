/*
 * Issue 15, items 5-8, through the header:
 *  1. Caller ID: DIAL carries the pool number with the dialed area code
 *     (dc_config.caller_id_pool), else dc_config.caller_id.
 *  2. Dispositions: DC_DISPOSITION_FAILED, _RETRY_AFTER, _BLACKLIST,
 *     _BLACKLIST_NUMBER (only the dialed number; the next one is dialed) and a
 *     wrap-up code (DC_DISPOSITION_CODE through dc_config.dispositions);
 *     an unknown code is DC_STATUS_INVALID_ARGUMENT and changes nothing.
 *  3. Watchdogs: dc_config.max_talk_ms hangs up and frees the operator;
 *     dc_config.max_offer_refusals pauses with a reason
 *     (dc_campaign_operator_pause_reason).
 *  4. Agentless: DC_MODE_AGENTLESS dials without operators and answers
 *     get DC_COMMAND_KIND_PLAY.
 */
#include "test_common.h"

#define T0 1748865600000ULL
#define SEC 1000ULL
#define MIN (60 * SEC)

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

static dc_event call_event(dc_event_kind kind, const dc_command *dial) {
  dc_event ev = event(kind);
  ev.contact = dial->contact;
  ev.attempt = dial->attempt;
  return ev;
}

static uint8_t state_of(dc_campaign *c, uint32_t contact) {
  uint8_t s = 255;
  MUST(dc_campaign_state(c, contact, &s));
  return s;
}

static size_t poll_at(dc_campaign *c, uint64_t now, dc_command *cmds) {
  size_t n = 0;
  MUST(dc_campaign_poll(c, now, cmds, 16, &n));
  return n;
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

static uint32_t add(dc_campaign *c, const char *phone) {
  uint32_t id = 0;
  MUST(dc_campaign_add_contact(c, phone, NULL, NULL, 0, &id));
  return id;
}

static dc_config progressive(void) {
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  cfg.bcw_ms = 0;
  return cfg;
}

/* Offers, accepts and dials contact `id` with `op`; returns the DIAL. */
static dc_command dial(dc_campaign *c, uint32_t op, uint64_t now) {
  dc_command cmds[16];
  size_t n = poll_at(c, now, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_OFFER);
  dc_event ev = op_event(DC_EVENT_KIND_OPERATOR_ACCEPTED, op, cmds[0].contact);
  MUST(dc_campaign_handle(c, &ev, now));
  n = poll_at(c, now, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_DIAL);
  return cmds[0];
}

static void caller_id(void) {
  dc_config cfg = progressive();
  cfg.caller_id = "+18005550000";
  cfg.caller_id_pool = "+12125550001, +12125550002";
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  add(c, "2125550100");
  add(c, "4155550100");
  uint32_t op = ready_operator(c, T0);
  dc_command d = dial(c, op, T0);
  EXPECT(d.caller_id == 12125550001ULL);
  dc_event ev = call_event(DC_EVENT_KIND_REJECTED, &d);
  MUST(dc_campaign_handle(c, &ev, T0 + SEC));
  d = dial(c, op, T0 + SEC);
  EXPECT(d.caller_id == 18005550000ULL);
  dc_campaign_free(c);

  cfg.caller_id_pool = "+12125550001, 2125550002";
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_new(&cfg, &c));
  EXPECT(strstr(dc_last_error_message(), "caller_id_pool") != NULL);
}

/* One contact in ACW with the returned operator. */
static dc_campaign *in_acw(dc_config *cfg, uint32_t *op, uint32_t *id) {
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(cfg, &c));
  *id = add(c, "2125550100");
  *op = ready_operator(c, T0);
  dc_command d = dial(c, *op, T0);
  dc_event ev = call_event(DC_EVENT_KIND_ANSWERED, &d);
  MUST(dc_campaign_handle(c, &ev, T0 + SEC));
  dc_command cmds[16];
  poll_at(c, T0 + SEC, cmds);
  ev.kind = DC_EVENT_KIND_CALL_ENDED;
  MUST(dc_campaign_handle(c, &ev, T0 + MIN));
  EXPECT(state_of(c, *id) == DC_STATE_ACW);
  return c;
}

static void dispositions(void) {
  dc_config cfg = progressive();
  cfg.dispositions = "7=failure, 8=retry:600000";
  struct {
    dc_disposition d;
    uint32_t code;
    uint8_t state;
  } cases[] = {
      {DC_DISPOSITION_FAILED, 0, DC_STATE_REJECTED_BY_OPERATOR},
      {DC_DISPOSITION_RETRY_AFTER, 0, DC_STATE_RETRY_SCHEDULED},
      {DC_DISPOSITION_BLACKLIST, 0, DC_STATE_BLACKLISTED},
      {DC_DISPOSITION_CODE, 7, DC_STATE_REJECTED_BY_OPERATOR},
      {DC_DISPOSITION_CODE, 8, DC_STATE_RETRY_SCHEDULED},
      {DC_DISPOSITION_PERSONAL_CALLBACK, 0, DC_STATE_RETRY_SCHEDULED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint32_t op = 0, id = 0;
    dc_campaign *c = in_acw(&cfg, &op, &id);
    dc_event ev = op_event(DC_EVENT_KIND_ACW_DONE, op, id);
    ev.disposition = DC_DISPOSITION_CODE;
    ev.disposition_code = 9;
    EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_handle(c, &ev, T0 + MIN));
    EXPECT(strstr(dc_last_error_message(), "9") != NULL);
    EXPECT(state_of(c, id) == DC_STATE_ACW);
    ev.disposition = cases[i].d;
    ev.disposition_code = cases[i].code;
    ev.retry_delay_ms = 10 * MIN;
    ev.callback_at_ms = T0 + 60 * MIN;
    ev.callback_expires_ms = T0 + 120 * MIN;
    MUST(dc_campaign_handle(c, &ev, T0 + MIN));
    EXPECT(state_of(c, id) == cases[i].state);
    dc_campaign_free(c);
  }
}

/* DC_DISPOSITION_BLACKLIST_NUMBER: only the dialed number is blacklisted
 * (a contact whose one number it is follows, one with the other number
 * does not); the contact is dialed again at once on its number #1. */
static void blacklist_number(void) {
  dc_config cfg = progressive();
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  dc_number numbers[2] = {{"2125550100", 0, NULL}, {"2125550101", 0, NULL}};
  uint32_t id = 99;
  MUST(dc_campaign_add_contact_numbers(c, numbers, 2, NULL, 0, &id, NULL));
  uint32_t op = ready_operator(c, T0);
  dc_command d = dial(c, op, T0);
  EXPECT(d.number == 12125550100ULL && d.number_index == 0);
  dc_event ev = call_event(DC_EVENT_KIND_ANSWERED, &d);
  MUST(dc_campaign_handle(c, &ev, T0 + SEC));
  dc_command cmds[16];
  poll_at(c, T0 + SEC, cmds);
  ev.kind = DC_EVENT_KIND_CALL_ENDED;
  MUST(dc_campaign_handle(c, &ev, T0 + MIN));
  /* Added in ACW, so that no poll takes them before the wrap-up. */
  uint32_t twin = add(c, "2125550100");
  uint32_t other = add(c, "2125550101");
  ev = op_event(DC_EVENT_KIND_ACW_DONE, op, id);
  ev.disposition = DC_DISPOSITION_BLACKLIST_NUMBER;
  MUST(dc_campaign_handle(c, &ev, T0 + MIN));
  EXPECT(state_of(c, id) == DC_STATE_RETRY_SCHEDULED);
  EXPECT(state_of(c, twin) == DC_STATE_BLACKLISTED);
  EXPECT(state_of(c, other) == DC_STATE_INITIAL);
  d = dial(c, op, T0 + MIN + SEC);
  EXPECT(d.contact == id);
  EXPECT(d.number == 12125550101ULL && d.number_index == 1);
  ev = event(DC_EVENT_KIND_ACW_DONE);
  ev.disposition = (dc_disposition)8;
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_handle(c, &ev, T0 + MIN + SEC));
  dc_campaign_free(c);
}

static void watchdogs(void) {
  dc_config cfg = progressive();
  cfg.max_talk_ms = 10 * MIN;
  cfg.acw_enabled = false;
  uint32_t op = 0, id = 0;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  id = add(c, "2125550100");
  op = ready_operator(c, T0);
  dc_command d = dial(c, op, T0);
  dc_event ev = call_event(DC_EVENT_KIND_ANSWERED, &d);
  MUST(dc_campaign_handle(c, &ev, T0 + SEC));
  dc_command cmds[16];
  poll_at(c, T0 + SEC, cmds);
  size_t n = poll_at(c, T0 + SEC + 10 * MIN, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_HANGUP);
  EXPECT(state_of(c, id) == DC_STATE_SUCCESS);
  uint8_t s = 0;
  MUST(dc_campaign_operator_state(c, op, &s));
  EXPECT(s == DC_OPERATOR_STATE_READY);
  dc_metrics m;
  MUST(dc_campaign_metrics(c, T0 + 11 * MIN, &m));
  EXPECT(m.watchdog_hangups == 1);
  dc_campaign_free(c);

  cfg = progressive();
  cfg.max_offer_refusals = 2;
  MUST(dc_campaign_new(&cfg, &c));
  add(c, "2125550100");
  add(c, "2125550101");
  op = ready_operator(c, T0);
  n = poll_at(c, T0, cmds);
  ev = op_event(DC_EVENT_KIND_OPERATOR_DECLINED, op, cmds[0].contact);
  MUST(dc_campaign_handle(c, &ev, T0));
  n = poll_at(c, T0, cmds);
  EXPECT(n == 1 && cmds[0].kind == DC_COMMAND_KIND_OFFER);
  uint8_t reason = 9;
  MUST(dc_campaign_operator_pause_reason(c, op, &reason));
  EXPECT(reason == DC_PAUSE_REASON_NONE);
  ev = op_event(DC_EVENT_KIND_OPERATOR_DECLINED, op, cmds[0].contact);
  MUST(dc_campaign_handle(c, &ev, T0));
  MUST(dc_campaign_operator_pause_reason(c, op, &reason));
  EXPECT(reason == DC_PAUSE_REASON_DECLINED_OFFERS);
  EXPECT_STATUS(DC_STATUS_UNKNOWN_OPERATOR, dc_campaign_operator_pause_reason(c, 99, &reason));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_operator_pause_reason(c, op, NULL));
  dc_campaign_free(c);
}

static void agentless(void) {
  dc_config cfg = dc_config_default();
  cfg.default_country = 1;
  cfg.mode = DC_MODE_AGENTLESS;
  cfg.agentless_lines = 2;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  add(c, "2125550100");
  add(c, "2125550101");
  add(c, "2125550102");
  dc_command cmds[16];
  size_t n = poll_at(c, T0, cmds);
  EXPECT(n == 2);
  EXPECT(cmds[0].kind == DC_COMMAND_KIND_DIAL && !cmds[0].has_operator);
  dc_event ev = call_event(DC_EVENT_KIND_ANSWERED, &cmds[0]);
  MUST(dc_campaign_handle(c, &ev, T0 + SEC));
  dc_command play[16];
  n = poll_at(c, T0 + SEC, play);
  EXPECT(n == 1 && play[0].kind == DC_COMMAND_KIND_PLAY && play[0].contact == cmds[0].contact);
  dc_campaign_free(c);
  cfg.agentless_lines = 0;
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_new(&cfg, &c));
}

int main(void) {
  caller_id();
  dispositions();
  blacklist_number();
  watchdogs();
  agentless();
  dc_shutdown();
  return test_finish("test_calls");
}
