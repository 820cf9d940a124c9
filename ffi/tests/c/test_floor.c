/*
 * The floor through the header (dc_floor_*): one operator serving two
 * campaigns (the higher priority first), a trunk's line limit, a floor-wide
 * do-not-call list, a Dial held back by cap = 1 and withdrawn by a list
 * entry added before the next poll, and an unknown campaign named in the
 * error.
 */
#include "test_common.h"

#define T0 1767603600000ULL

static dc_floor_event floor_event(uint32_t campaign, dc_event_kind kind) {
  dc_floor_event ev;
  memset(&ev, 0, sizeof ev);
  ev.campaign = campaign;
  ev.event.kind = kind;
  return ev;
}

static void operator_ready(dc_floor *f, uint32_t op, uint64_t now) {
  dc_floor_event ev = floor_event(DC_FLOOR_NO_CAMPAIGN, DC_EVENT_KIND_OPERATOR_LOGIN);
  ev.event.operator_id = op;
  MUST(dc_floor_handle(f, &ev, now));
  ev.event.kind = DC_EVENT_KIND_OPERATOR_READY;
  MUST(dc_floor_handle(f, &ev, now));
}

/* The event `kind` about the call (or offer) of `cmd`. */
static dc_status about(dc_floor *f, const dc_floor_command *cmd, dc_event_kind kind, uint64_t now) {
  dc_floor_event ev = floor_event(cmd->campaign, kind);
  ev.event.contact = cmd->command.contact;
  ev.event.attempt = cmd->command.attempt;
  ev.event.operator_id = cmd->command.operator_id;
  return dc_floor_handle(f, &ev, now);
}

static uint32_t add_campaign(dc_floor *f, const char *name, dc_mode mode, uint8_t prio) {
  dc_config cfg = dc_config_default();
  cfg.mode = mode;
  cfg.bcw_ms = 0;
  cfg.abandon_guard = DC_ABANDON_GUARD_EXPECTED;
  uint32_t id = 0;
  MUST(dc_floor_add_campaign(f, name, &cfg, prio, 1, &id));
  return id;
}

/* The first command of `kind` in a poll at `now`, copied to `out`; 0 if none. */
static int poll_for(dc_floor *f, uint64_t now, dc_command_kind kind, dc_floor_command *out) {
  dc_floor_command cmds[32];
  size_t n = 0;
  MUST(dc_floor_poll(f, now, cmds, 32, &n));
  for (size_t i = 0; i < n; i++) {
    if (cmds[i].command.kind == kind) {
      *out = cmds[i];
      return 1;
    }
  }
  return 0;
}

/* Offer, accept, dial, answer, end, ACW of the operator's next contact;
 * returns its campaign (DC_FLOOR_NO_CAMPAIGN when no offer came). */
static uint32_t serve_one(dc_floor *f, uint32_t op, uint64_t *now) {
  dc_floor_command offer, dial, ignored;
  if (!poll_for(f, *now, DC_COMMAND_KIND_OFFER, &offer)) return DC_FLOOR_NO_CAMPAIGN;
  EXPECT(offer.command.operator_id == op);
  *now += 1000;
  MUST(about(f, &offer, DC_EVENT_KIND_OPERATOR_ACCEPTED, *now));
  if (!poll_for(f, *now, DC_COMMAND_KIND_DIAL, &dial)) return DC_FLOOR_NO_CAMPAIGN;
  EXPECT(dial.campaign == offer.campaign);
  EXPECT(dial.command.has_operator && dial.command.operator_id == op);
  *now += 5000;
  MUST(about(f, &dial, DC_EVENT_KIND_ANSWERED, *now));
  (void)poll_for(f, *now, DC_COMMAND_KIND_CONNECT, &ignored);
  *now += 60000;
  MUST(about(f, &dial, DC_EVENT_KIND_CALL_ENDED, *now));
  (void)poll_for(f, *now, DC_COMMAND_KIND_CONNECT, &ignored);
  *now += 10000;
  dc_floor_event done = floor_event(offer.campaign, DC_EVENT_KIND_ACW_DONE);
  done.event.operator_id = op;
  done.event.contact = dial.command.contact;
  done.event.disposition = DC_DISPOSITION_DONE;
  MUST(dc_floor_handle(f, &done, *now));
  *now += 1;
  return offer.campaign;
}

static void one_operator_two_campaigns(void) {
  dc_floor *f = NULL;
  MUST(dc_floor_new(&f));
  uint32_t collections = add_campaign(f, "collections", DC_MODE_PROGRESSIVE, 2);
  uint32_t sales = add_campaign(f, "sales", DC_MODE_PROGRESSIVE, 1);
  uint64_t c_numbers[] = {12125550100ULL};
  uint64_t s_numbers[] = {12125550200ULL};
  MUST(dc_floor_add_numbers(f, collections, c_numbers, 1, 0, NULL));
  MUST(dc_floor_add_numbers(f, sales, s_numbers, 1, 0, NULL));
  uint32_t pool = 0, op = 0;
  MUST(dc_floor_add_pool(f, "english", &pool));
  MUST(dc_floor_assign(f, pool, collections, true));
  MUST(dc_floor_assign(f, pool, sales, true));
  MUST(dc_floor_add_operator(f, pool, &op));
  operator_ready(f, op, T0);
  uint64_t now = T0 + 1;
  EXPECT(serve_one(f, op, &now) == collections);
  EXPECT(serve_one(f, op, &now) == sales);
  uint8_t state = 0;
  MUST(dc_floor_state(f, collections, 0, &state));
  EXPECT(state == DC_STATE_SUCCESS);
  MUST(dc_floor_state(f, sales, 0, &state));
  EXPECT(state == DC_STATE_SUCCESS);
  dc_pool_counts pc;
  MUST(dc_floor_pool_counts(f, pool, &pc));
  EXPECT(pc.logged_out == 0 && pc.ready + pc.outbound + pc.paused + pc.reserved == 1);
  EXPECT(pc.inbound == 0);
  dc_floor_free(f);
}

static void trunk_limit(void) {
  dc_floor *f = NULL;
  MUST(dc_floor_new(&f));
  uint32_t c = add_campaign(f, "sales", DC_MODE_PREDICTIVE, 0);
  uint64_t numbers[12];
  for (int i = 0; i < 12; i++) numbers[i] = 12125550100ULL + (uint64_t)i;
  MUST(dc_floor_add_numbers(f, c, numbers, 12, 0, NULL));
  uint32_t pool = 0, trunk = 0;
  MUST(dc_floor_add_pool(f, "english", &pool));
  MUST(dc_floor_assign(f, pool, c, true));
  dc_trunk_config tc = dc_trunk_config_default(2, 10);
  MUST(dc_floor_add_trunk(f, &tc, T0, &trunk));
  MUST(dc_floor_route(f, c, &trunk, 1));
  for (int i = 0; i < 4; i++) {
    uint32_t op = 0;
    MUST(dc_floor_add_operator(f, pool, &op));
    operator_ready(f, op, T0);
  }
  dc_floor_command cmds[32];
  size_t n = 0, dials = 0;
  MUST(dc_floor_poll(f, T0 + 1, cmds, 32, &n));
  dc_floor_command first;
  memset(&first, 0, sizeof first);
  for (size_t i = 0; i < n; i++) {
    if (cmds[i].command.kind == DC_COMMAND_KIND_DIAL) {
      EXPECT(cmds[i].trunk == trunk);
      if (dials == 0) first = cmds[i];
      dials++;
    }
  }
  EXPECT(dials == 2); /* 4 ready operators, 2 lines */
  MUST(dc_floor_poll(f, T0 + 2000, cmds, 32, &n));
  EXPECT(n == 0);     /* no line free */
  MUST(about(f, &first, DC_EVENT_KIND_REJECTED, T0 + 2000));
  dc_floor_command next;
  EXPECT(poll_for(f, T0 + 3000, DC_COMMAND_KIND_DIAL, &next));
  dc_floor_free(f);
}

static void floor_list(void) {
  dc_floor *f = NULL;
  MUST(dc_floor_new(&f));
  uint32_t a = add_campaign(f, "a", DC_MODE_PREDICTIVE, 0);
  uint32_t b = add_campaign(f, "b", DC_MODE_PREDICTIVE, 0);
  uint64_t na[] = {12125550100ULL, 12125550101ULL};
  uint64_t nb[] = {12125550100ULL, 12125550102ULL};
  MUST(dc_floor_add_numbers(f, a, na, 2, 0, NULL));
  MUST(dc_floor_add_numbers(f, b, nb, 2, 0, NULL));
  uint32_t pool = 0, list = 0;
  MUST(dc_floor_add_pool(f, "english", &pool));
  MUST(dc_floor_assign(f, pool, a, true));
  MUST(dc_floor_assign(f, pool, b, true));
  dc_list_scope scope = {DC_SCOPE_KIND_FLOOR, NULL, 0};
  MUST(dc_floor_add_list(f, "company", &scope, &list));
  uint64_t blocked[] = {12125550100ULL};
  MUST(dc_floor_list_add(f, list, blocked, 1, 0));
  for (int i = 0; i < 4; i++) {
    uint32_t op = 0;
    MUST(dc_floor_add_operator(f, pool, &op));
    operator_ready(f, op, T0);
  }
  dc_floor_command cmds[32];
  size_t n = 0, dials = 0;
  for (uint64_t k = 0; k < 4; k++) {
    MUST(dc_floor_poll(f, T0 + 1 + k * 1000, cmds, 32, &n));
    for (size_t i = 0; i < n; i++) {
      if (cmds[i].command.kind == DC_COMMAND_KIND_DIAL) {
        EXPECT(cmds[i].command.number != blocked[0]);
        dials++;
      }
    }
  }
  EXPECT(dials == 2);
  uint8_t state = 0;
  MUST(dc_floor_state(f, a, 0, &state));
  EXPECT(state == DC_STATE_BLACKLISTED);
  MUST(dc_floor_state(f, b, 0, &state));
  EXPECT(state == DC_STATE_BLACKLISTED);
  dc_floor_free(f);
}

/* cap = 1: the second Dial of a poll is held; its number goes on a floor
 * list before the next poll, which withdraws it instead of handing it out. */
static void held_dial_rechecked(void) {
  dc_floor *f = NULL;
  MUST(dc_floor_new(&f));
  uint32_t c = add_campaign(f, "sales", DC_MODE_PREDICTIVE, 0);
  uint64_t numbers[] = {12125550100ULL, 12125550101ULL};
  MUST(dc_floor_add_numbers(f, c, numbers, 2, 0, NULL));
  uint32_t pool = 0, list = 0;
  MUST(dc_floor_add_pool(f, "english", &pool));
  MUST(dc_floor_assign(f, pool, c, true));
  dc_list_scope scope = {DC_SCOPE_KIND_FLOOR, NULL, 0};
  MUST(dc_floor_add_list(f, "company", &scope, &list));
  for (int i = 0; i < 2; i++) {
    uint32_t op = 0;
    MUST(dc_floor_add_operator(f, pool, &op));
    operator_ready(f, op, T0);
  }
  dc_floor_command cmd;
  size_t n = 0, pending = 0;
  MUST(dc_floor_poll(f, T0 + 1, &cmd, 1, &n));
  EXPECT(n == 1 && cmd.command.kind == DC_COMMAND_KIND_DIAL);
  MUST(dc_floor_pending(f, &pending));
  EXPECT(pending == 1);
  uint64_t held = cmd.command.number == numbers[0] ? numbers[1] : numbers[0];
  uint32_t held_contact = cmd.command.contact == 0 ? 1 : 0;
  MUST(dc_floor_list_add(f, list, &held, 1, 0));
  for (uint64_t k = 2; k < 8; k++) {
    MUST(dc_floor_poll(f, T0 + k * 1000, &cmd, 1, &n));
    EXPECT(n == 0 || cmd.command.kind != DC_COMMAND_KIND_DIAL || cmd.command.number != held);
  }
  MUST(dc_floor_pending(f, &pending));
  EXPECT(pending == 0);
  uint8_t state = 0;
  MUST(dc_floor_state(f, c, held_contact, &state));
  EXPECT(state == DC_STATE_BLACKLISTED);
  dc_floor_free(f);
}

static void unknown_campaign(void) {
  dc_floor *f = NULL;
  MUST(dc_floor_new(&f));
  uint32_t c = add_campaign(f, "sales", DC_MODE_PROGRESSIVE, 0);
  uint64_t numbers[] = {12125550100ULL};
  uint32_t first = 7;
  EXPECT(c != 41);
  EXPECT_STATUS(DC_STATUS_UNKNOWN_CAMPAIGN, dc_floor_add_numbers(f, 41, numbers, 1, 0, &first));
  EXPECT(strstr(dc_last_error_message(), "41") != NULL);
  EXPECT(first == 7);
  dc_floor_event ev = floor_event(41, DC_EVENT_KIND_ANSWERED);
  ev.event.attempt = 1;
  EXPECT_STATUS(DC_STATUS_UNKNOWN_CAMPAIGN, dc_floor_handle(f, &ev, T0));
  uint32_t op = 0;
  EXPECT_STATUS(DC_STATUS_UNKNOWN_POOL, dc_floor_add_operator(f, 9, &op));
  EXPECT(strcmp(dc_status_name(DC_STATUS_UNKNOWN_CAMPAIGN), "DC_STATUS_UNKNOWN_CAMPAIGN") == 0);
  dc_floor_free(f);
  dc_floor_free(NULL);
}

int main(void) {
  one_operator_two_campaigns();
  trunk_limit();
  floor_list();
  held_dial_rechecked();
  unknown_campaign();
  dc_shutdown();
  return test_finish("test_floor");
}
