/*
 * pbx_plugin.c: how a PBX module drives a dialcore campaign.
 *
 * A real module (Asterisk, FreeSWITCH, Kamailio, an in-house PBX) has the
 * same four parts:
 *
 *   1. setup: create the campaign from a config, load the list, add agents;
 *   2. event callbacks: map PBX call/agent states to dc_events;
 *   3. a timer (every 50-100 ms): dc_campaign_poll, and turn each dc_command
 *      into originate / bridge / playback+hangup / hangup / screen pop;
 *   4. teardown: dc_campaign_free.
 *
 * Every dc_ function may be called from any PBX thread; the campaign
 * serializes them. The "PBX" below is a stub that prints what it would do and
 * answers every call one tick later, so the sketch runs as it is:
 *
 *   gcc -std=c99 -Iinclude ffi/examples/pbx_plugin.c -Ltarget/release -ldialcore
 */
#include <stdio.h>
#include <string.h>

#include "dialcore.h"

/* ---- what the PBX offers (stubs) ------------------------------------- */

typedef struct {
  uint32_t contact;
  uint8_t attempt;
  int live;
} pbx_channel;

static pbx_channel channels[16]; /* the stub's calls in progress */

static void pbx_originate(uint64_t e164, uint32_t contact, uint8_t attempt) {
  printf("  PBX originate +%llu (call %u/%u)\n", (unsigned long long)e164, contact, attempt);
  for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
    if (!channels[i].live) {
      channels[i].contact = contact;
      channels[i].attempt = attempt;
      channels[i].live = 1;
      return;
    }
  }
}

static void pbx_bridge(uint32_t contact, uint32_t agent) {
  printf("  PBX bridge call of contact %u to agent %u\n", contact, agent);
}

static void pbx_play_and_hangup(uint32_t contact) {
  printf("  PBX play abandon message, hang up contact %u\n", contact);
}

static void pbx_hangup(uint32_t contact) { printf("  PBX hang up contact %u\n", contact); }

/* ---- 2. PBX callbacks -> dc_events ------------------------------------ */

static dc_campaign *campaign;

static void report(dc_status s, const char *what) {
  /* A stale or illegal event is a late or duplicated PBX message: log it
   * and go on; the campaign did not change. */
  if (s != DC_STATUS_OK) {
    fprintf(stderr, "dialcore: %s: %s: %s\n", what, dc_status_name(s), dc_last_error_message());
  }
}

static void on_call_state(uint32_t contact, uint8_t attempt, const char *pbx_state,
                          uint64_t now_ms) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.contact = contact;
  ev.attempt = attempt;
  if (strcmp(pbx_state, "ANSWER") == 0) ev.kind = DC_EVENT_KIND_ANSWERED;
  else if (strcmp(pbx_state, "AMD_MACHINE") == 0) ev.kind = DC_EVENT_KIND_ANSWERED_BY_MACHINE;
  else if (strcmp(pbx_state, "BUSY") == 0) ev.kind = DC_EVENT_KIND_REJECTED;
  else if (strcmp(pbx_state, "NOANSWER") == 0) ev.kind = DC_EVENT_KIND_UNREACHABLE;
  else if (strcmp(pbx_state, "CONGESTION") == 0) ev.kind = DC_EVENT_KIND_DIAL_FAILED;
  else if (strcmp(pbx_state, "CALLER_HANGUP") == 0) ev.kind = DC_EVENT_KIND_CLIENT_HUNG_UP;
  else ev.kind = DC_EVENT_KIND_CALL_ENDED; /* HANGUP */
  report(dc_campaign_handle(campaign, &ev, now_ms), pbx_state);
}

static void on_agent(uint32_t agent, dc_event_kind kind, uint64_t now_ms) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind; /* LOGIN, READY, PAUSE, LOGOUT */
  ev.operator_id = agent;
  report(dc_campaign_handle(campaign, &ev, now_ms), "agent event");
}

static void on_wrapup_done(uint32_t agent, uint32_t contact, uint64_t now_ms) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = DC_EVENT_KIND_ACW_DONE;
  ev.operator_id = agent;
  ev.contact = contact;
  ev.disposition = DC_DISPOSITION_DONE;
  report(dc_campaign_handle(campaign, &ev, now_ms), "wrap-up");
}

/* ---- 3. the timer: dc_commands -> PBX actions ------------------------- */

static void on_timer(uint64_t now_ms) {
  dc_command cmds[32];
  size_t n = 0;
  do {
    report(dc_campaign_poll(campaign, now_ms, cmds, 32, &n), "poll");
    for (size_t i = 0; i < n; i++) {
      const dc_command *cmd = &cmds[i];
      switch (cmd->kind) {
        case DC_COMMAND_KIND_DIAL: pbx_originate(cmd->number, cmd->contact, cmd->attempt); break;
        case DC_COMMAND_KIND_CONNECT: pbx_bridge(cmd->contact, cmd->operator_id); break;
        case DC_COMMAND_KIND_ABANDON: pbx_play_and_hangup(cmd->contact); break;
        case DC_COMMAND_KIND_PLAY: pbx_play_and_hangup(cmd->contact); break; /* agentless */
        case DC_COMMAND_KIND_HANGUP: pbx_hangup(cmd->contact); break;
        case DC_COMMAND_KIND_OFFER: /* preview/progressive: screen pop */
        case DC_COMMAND_KIND_REVOKE: /* withdraw the screen pop */
          printf("  agent %u screen: contact %u (%s)\n", cmd->operator_id, cmd->contact,
                 cmd->kind == DC_COMMAND_KIND_OFFER ? "offer" : "revoke");
          break;
      }
    }
  } while (n == 32); /* more waiting in the campaign */
}

/* ---- 1. and 4. setup and teardown; a few simulated ticks -------------- */

int main(void) {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.default_country = 1;
  cfg.default_timezone = "America/New_York";
  cfg.calling_window = "always"; /* e.g. "Mon-Fri 09:00-20:00; Sat 10:00-14:00" */
  if (dc_campaign_new(&cfg, &campaign) != DC_STATUS_OK) {
    fprintf(stderr, "config: %s\n", dc_last_error_message());
    return 1;
  }
  const char *list[] = {"(212) 555-0100", "212-555-0101", "+1 212 555 0102"};
  report(dc_campaign_add_contacts(campaign, list, 3, 0, NULL), "contacts");
  uint32_t agent = 0;
  report(dc_campaign_add_operator(campaign, &agent), "agent");

  uint64_t now = 1700000000000ULL;
  on_agent(agent, DC_EVENT_KIND_OPERATOR_LOGIN, now);
  on_agent(agent, DC_EVENT_KIND_OPERATOR_READY, now);

  for (int tick = 0; tick < 8; tick++, now += 1000) {
    printf("t+%ds\n", tick);
    /* The stub PBX: calls placed on the last tick answer now; connected
     * calls hang up and the agent wraps up at once. */
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
      pbx_channel *ch = &channels[i];
      if (ch->live == 1) {
        on_call_state(ch->contact, ch->attempt, "ANSWER", now);
        ch->live = 2;
      } else if (ch->live == 2) {
        uint8_t state = 0;
        dc_campaign_state(campaign, ch->contact, &state);
        if (state == DC_STATE_CALL_IN_PROGRESS) {
          on_call_state(ch->contact, ch->attempt, "HANGUP", now);
          on_wrapup_done(agent, ch->contact, now);
        }
        ch->live = 0;
      }
    }
    on_timer(now);
  }

  uint32_t counts[DC_STATE_COUNT];
  size_t n = 0;
  dc_campaign_counts(campaign, counts, DC_STATE_COUNT, &n);
  for (size_t s = 0; s < n; s++) {
    if (counts[s] > 0) printf("%-28s %u\n", dc_state_name((uint8_t)s), counts[s]);
  }
  dc_campaign_free(campaign);
  dc_shutdown(); /* at module unload: frees the library's time-zone cache */
  return 0;
}
