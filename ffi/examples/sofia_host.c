/*
 * sofia_host.c: a SIP dialer host in C, on dialcore.h and Sofia-SIP's NUA
 * (Debian's libsofia-sip-ua-dev, the SIP stack FreeSWITCH grew from): the
 * mapping of the Rust host (README "Real calls") for a PBX-module author.
 *
 *   sofia_host CONTACTS.csv TRUNK_HOST:PORT LOCAL_PORT OPERATORS RING_MS
 *
 * Progressive campaign, operators on an automatic console (every offer is
 * accepted, ACW is done as soon as the call ends). One loop: poll the
 * engine when dc_campaign_next_deadline() says so, carry out the commands,
 * then let Sofia run (su_root_step) until that deadline; Sofia's callback
 * turns SIP responses into engine events:
 *
 *   Dial            -> INVITE sip:<number>@<trunk>, X-Dialcore-Call: <contact>-<attempt>
 *   2xx             -> ANSWERED (ANSWERED_BY_MACHINE with "X-AMD: machine"; then BYE)
 *   486/600/603     -> REJECTED          404/408/410/480 -> UNREACHABLE
 *   503/429, other  -> DIAL_FAILED (retried by retry_dial_failed)
 *   Hangup          -> CANCEL            Abandon -> BYE
 *   customer BYE    -> CLIENT_HUNG_UP
 *
 * This example does not INVITE operator endpoints (the Rust host does):
 * an answered progressive call is connected by the engine to the operator
 * it was dialed for. It exits 0 when every contact is final and prints
 * "dials N answered N cancelled N final N"; 1 on an error.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

struct app;
struct call;
#define NUA_MAGIC_T struct app
#define NUA_HMAGIC_T struct call
#define SU_ROOT_MAGIC_T struct app

#include <sofia-sip/nua.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/su.h>

#include "dialcore.h"

struct call {
  uint32_t contact;
  uint8_t attempt;
  bool answered;
  bool reported;      /* a final answer went to the engine */
  bool engine_closed; /* Hangup / Abandon: no more events */
  bool ended;         /* CLIENT_HUNG_UP went to the engine */
  nua_handle_t *nh;
  struct call *next;
};

struct app {
  su_root_t *root;
  nua_t *nua;
  dc_campaign *campaign;
  const char *trunk;
  struct call *calls;
  unsigned dials, answered, cancelled, finals, errors;
};

static uint64_t now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static void handle(struct app *app, dc_event_kind kind, uint32_t contact, uint8_t attempt,
                   uint32_t op) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.contact = contact;
  ev.attempt = attempt;
  ev.operator_id = op;
  ev.disposition = DC_DISPOSITION_DONE;
  dc_status st = dc_campaign_handle(app->campaign, &ev, now_ms());
  if (st != DC_STATUS_OK) {
    /* a late message about an older attempt changes nothing */
    fprintf(stderr, "event %d for %u/%u refused: status %d\n", (int)kind, contact, attempt,
            (int)st);
    app->errors++;
  }
}

static struct call *find(struct app *app, uint32_t contact, uint8_t attempt) {
  for (struct call *c = app->calls; c; c = c->next)
    if (c->contact == contact && c->attempt == attempt) return c;
  return NULL;
}

static void drop(struct app *app, struct call *call) {
  for (struct call **p = &app->calls; *p; p = &(*p)->next) {
    if (*p == call) {
      *p = call->next;
      break;
    }
  }
  nua_handle_destroy(call->nh);
  free(call);
}

static dc_event_kind of_status(int status) {
  switch (status) {
  case 486: case 600: case 603: return DC_EVENT_KIND_REJECTED;
  case 404: case 408: case 410: case 480: return DC_EVENT_KIND_UNREACHABLE;
  default: return DC_EVENT_KIND_DIAL_FAILED; /* 503/429: congestion, retried */
  }
}

static bool is_machine(sip_t const *sip) {
  if (!sip) return false;
  for (sip_unknown_t const *u = sip->sip_unknown; u; u = u->un_next)
    if (u->un_name && strcasecmp(u->un_name, "X-AMD") == 0 && u->un_value &&
        strcasecmp(u->un_value, "machine") == 0)
      return true;
  return false;
}

/* After a connected call ended: the automatic console finishes ACW. */
static void after_call(struct app *app, uint32_t contact) {
  uint8_t state = 0;
  if (dc_campaign_state(app->campaign, contact, &state) != DC_STATUS_OK || state != DC_STATE_ACW)
    return;
  /* the operator of a progressive call: find who is in ACW with it */
  for (uint32_t op = 0;; op++) {
    uint8_t os;
    if (dc_campaign_operator_state(app->campaign, op, &os) != DC_STATUS_OK) break;
    dc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = DC_EVENT_KIND_ACW_DONE;
    ev.contact = contact;
    ev.operator_id = op;
    ev.disposition = DC_DISPOSITION_DONE;
    if (dc_campaign_handle(app->campaign, &ev, now_ms()) == DC_STATUS_OK) return;
  }
}

static void callback(nua_event_t event, int status, char const *phrase, nua_t *nua,
                     struct app *app, nua_handle_t *nh, struct call *call, sip_t const *sip,
                     tagi_t tags[]) {
  (void)phrase; (void)nua; (void)nh; (void)tags;
  if (!call) return;
  switch (event) {
  case nua_r_invite:
    if (status < 200) break; /* 100, 180, 183: ringing */
    if (status < 300) {
      bool machine = is_machine(sip);
      call->answered = true;
      app->answered++;
      if (!call->reported && !call->engine_closed) {
        call->reported = true;
        handle(app, machine ? DC_EVENT_KIND_ANSWERED_BY_MACHINE : DC_EVENT_KIND_ANSWERED,
               call->contact, call->attempt, 0);
      }
      if (machine || call->engine_closed) {
        call->ended = true;
        nua_bye(call->nh, TAG_END());
      }
      break;
    }
    app->finals++;
    if (call->engine_closed) {
      app->cancelled++; /* 487 after our CANCEL */
    } else if (!call->reported) {
      call->reported = true;
      handle(app, of_status(status), call->contact, call->attempt, 0);
    }
    drop(app, call);
    break;
  case nua_i_bye:
    if (call->answered && !call->engine_closed && !call->ended) {
      call->ended = true;
      handle(app, DC_EVENT_KIND_CLIENT_HUNG_UP, call->contact, call->attempt, 0);
      after_call(app, call->contact);
    }
    break;
  case nua_r_bye:
    drop(app, call);
    break;
  case nua_i_state: {
    int state = nua_callstate_init;
    tl_gets(tags, NUTAG_CALLSTATE_REF(state), TAG_END());
    if (state == nua_callstate_terminated && call->answered) drop(app, call);
    break;
  }
  default:
    break;
  }
}

static void execute(struct app *app, dc_command const *cmd) {
  switch (cmd->kind) {
  case DC_COMMAND_KIND_OFFER:
    handle(app, DC_EVENT_KIND_OPERATOR_ACCEPTED, cmd->contact, 0, cmd->operator_id);
    break;
  case DC_COMMAND_KIND_DIAL: {
    struct call *call = calloc(1, sizeof *call);
    if (!call) abort();
    call->contact = cmd->contact;
    call->attempt = cmd->attempt;
    char uri[128], hdr[64];
    snprintf(uri, sizeof uri, "sip:%llu@%s", (unsigned long long)cmd->number, app->trunk);
    snprintf(hdr, sizeof hdr, "X-Dialcore-Call: %u-%u", cmd->contact, cmd->attempt);
    call->nh = nua_handle(app->nua, call, NUTAG_URL(uri), SIPTAG_TO_STR(uri), TAG_END());
    call->next = app->calls;
    app->calls = call;
    app->dials++;
    nua_invite(call->nh, SIPTAG_HEADER_STR(hdr), TAG_END());
    break;
  }
  case DC_COMMAND_KIND_HANGUP:
  case DC_COMMAND_KIND_ABANDON: {
    struct call *call = find(app, cmd->contact, cmd->attempt);
    if (!call) break;
    call->engine_closed = true;
    if (call->answered) {
      call->ended = true;
      nua_bye(call->nh, TAG_END());
    } else {
      nua_cancel(call->nh, TAG_END());
    }
    break;
  }
  default: /* CONNECT (predictive only), REVOKE: nothing to do here */
    break;
  }
}

static bool all_final(struct app *app) {
  uint32_t counts[32];
  size_t n = 0;
  if (dc_campaign_counts(app->campaign, counts, 32, &n) != DC_STATUS_OK) return false;
  static const int open_states[] = {DC_STATE_INITIAL,        DC_STATE_AWAITING_OPERATOR,
                                    DC_STATE_OPERATOR_ASSIGNED, DC_STATE_BCW,
                                    DC_STATE_CALLING,        DC_STATE_CALL_IN_PROGRESS,
                                    DC_STATE_RETRY_SCHEDULED, DC_STATE_ACW};
  for (size_t i = 0; i < sizeof open_states / sizeof open_states[0]; i++)
    if ((size_t)open_states[i] < n && counts[open_states[i]] > 0) return false;
  return true;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s CONTACTS.csv TRUNK_HOST:PORT LOCAL_PORT OPERATORS RING_MS\n",
            argv[0]);
    return 2;
  }
  struct app app;
  memset(&app, 0, sizeof app);
  app.trunk = argv[2];
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PROGRESSIVE;
  cfg.bcw_ms = 0;
  cfg.ring_timeout_ms = (uint64_t)strtoull(argv[5], NULL, 10);
  cfg.allow_short_ring_timeout = true;
  cfg.retry_busy.retry = false;
  cfg.retry_no_answer.retry = false;
  cfg.retry_machine.retry = false;
  cfg.retry_dial_failed.delay_ms = 500;
  if (dc_campaign_new(&cfg, &app.campaign) != DC_STATUS_OK) {
    fprintf(stderr, "bad configuration\n");
    return 1;
  }
  dc_import_report rep;
  if (dc_campaign_import_csv(app.campaign, argv[1], &rep) != DC_STATUS_OK) {
    fprintf(stderr, "cannot import %s\n", argv[1]);
    return 1;
  }
  unsigned operators = (unsigned)atoi(argv[4]);
  for (unsigned i = 0; i < operators; i++) {
    uint32_t op;
    dc_campaign_add_operator(app.campaign, &op);
    handle(&app, DC_EVENT_KIND_OPERATOR_LOGIN, 0, 0, op);
    handle(&app, DC_EVENT_KIND_OPERATOR_READY, 0, 0, op);
  }

  su_init();
  app.root = su_root_create(&app);
  char url[64];
  snprintf(url, sizeof url, "sip:127.0.0.1:%s", argv[3]);
  app.nua = nua_create(app.root, callback, &app, NUTAG_URL(url), NUTAG_MEDIA_ENABLE(0),
                       TAG_END());
  if (!app.nua) {
    fprintf(stderr, "cannot bind %s\n", url);
    return 1;
  }

  dc_command cmds[64];
  int rc = 0;
  uint64_t give_up = now_ms() + 120000;
  for (;;) {
    uint64_t now = now_ms(), deadline = UINT64_MAX;
    dc_campaign_next_deadline(app.campaign, &deadline);
    if (deadline <= now) {
      size_t n = 0;
      if (dc_campaign_poll(app.campaign, now, cmds, 64, &n) != DC_STATUS_OK) {
        rc = 1;
        break;
      }
      for (size_t i = 0; i < n; i++) execute(&app, &cmds[i]);
      continue; /* the engine may hold more than 64 commands */
    }
    if (!app.calls && all_final(&app)) break;
    if (now > give_up) {
      fprintf(stderr, "not finished after 120 s\n");
      rc = 1;
      break;
    }
    uint64_t wait = deadline - now;
    su_root_step(app.root, wait > 100 ? 100 : (su_duration_t)wait);
  }
  printf("dials %u answered %u cancelled %u final %u\n", app.dials, app.answered, app.cancelled,
         app.finals);
  if (app.errors) rc = 1;
  nua_shutdown(app.nua);
  for (int i = 0; i < 20; i++) su_root_step(app.root, 50);
  nua_destroy(app.nua);
  su_root_destroy(app.root);
  su_deinit();
  dc_campaign_free(app.campaign);
  return rc;
}
