/*
 * One full predictive campaign driven through the C API: dials, answers,
 * connects, ACW, busy retries, unreachable contacts running out of attempts,
 * abandons. The host side is a tiny simulated PBX; the final counts are
 * checked against what the host saw.
 */
#include "test_common.h"

#define N 60
#define OPERATORS 3
#define START_MS 1700000000000ULL

typedef struct {
  uint64_t at;
  dc_event ev;
} scheduled;

static scheduled queue[4 * N];
static size_t queued = 0;

static void schedule(uint64_t at, dc_event ev) {
  if (queued == sizeof queue / sizeof queue[0]) {
    fprintf(stderr, "event queue full\n");
    exit(1);
  }
  queue[queued].at = at;
  queue[queued].ev = ev;
  queued++;
}

static dc_event call_event(dc_event_kind kind, const dc_command *cmd) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.contact = cmd->contact;
  ev.attempt = cmd->attempt;
  return ev;
}

int main(void) {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.default_country = 1;
  cfg.default_timezone = "America/New_York";
  cfg.max_attempts = 3;
  cfg.retry_busy.delay_ms = 60000;
  cfg.retry_no_answer.delay_ms = 120000;

  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));

  char numbers[N][32];
  const char *phones[N];
  for (int i = 0; i < N; i++) {
    snprintf(numbers[i], sizeof numbers[i], "+1 (212) 555-%04d", 100 + i);
    phones[i] = numbers[i];
  }
  uint32_t first = 99;
  MUST(dc_campaign_add_contacts(c, phones, N, 0, &first));
  EXPECT(first == 0);

  uint64_t now = START_MS;
  for (int i = 0; i < OPERATORS; i++) {
    uint32_t op;
    MUST(dc_campaign_add_operator(c, &op));
    dc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.operator_id = op;
    ev.kind = DC_EVENT_KIND_OPERATOR_LOGIN;
    MUST(dc_campaign_handle(c, &ev, now));
    ev.kind = DC_EVENT_KIND_OPERATOR_READY;
    MUST(dc_campaign_handle(c, &ev, now));
  }

  unsigned dials_of[N] = {0};
  unsigned dials = 0, connects = 0, abandons = 0, acw_done = 0, unexpected = 0;
  uint32_t counts[DC_STATE_COUNT];
  size_t n_counts = 0;
  int finished = 0;

  while (!finished && now < START_MS + 6ULL * 3600 * 1000) {
    now += 250;
    /* Deliver the events that are due, in order. */
    for (size_t i = 0; i < queued;) {
      if (queue[i].at <= now) {
        dc_event ev = queue[i].ev;
        queue[i] = queue[--queued];
        MUST(dc_campaign_handle(c, &ev, now));
        if (ev.kind == DC_EVENT_KIND_ACW_DONE) acw_done++;
      } else {
        i++;
      }
    }
    /* Poll with a small buffer: what does not fit comes next time. */
    dc_command cmds[4];
    size_t written = 0;
    do {
      MUST(dc_campaign_poll(c, now, cmds, 4, &written));
      EXPECT(written <= 4);
      for (size_t i = 0; i < written; i++) {
        const dc_command *cmd = &cmds[i];
        switch (cmd->kind) {
          case DC_COMMAND_KIND_DIAL: {
            dials++;
            dials_of[cmd->contact]++;
            EXPECT(cmd->attempt == dials_of[cmd->contact]);
            EXPECT(!cmd->has_operator);
            EXPECT(cmd->number == 12125550100ULL + cmd->contact);
            if (cmd->contact % 5 == 1) {
              schedule(now + 3000, call_event(DC_EVENT_KIND_UNREACHABLE, cmd));
            } else if (cmd->contact % 5 == 0 && cmd->attempt == 1) {
              schedule(now + 2000, call_event(DC_EVENT_KIND_REJECTED, cmd));
            } else {
              schedule(now + 3000, call_event(DC_EVENT_KIND_ANSWERED, cmd));
            }
            break;
          }
          case DC_COMMAND_KIND_CONNECT: {
            connects++;
            EXPECT(cmd->has_operator && cmd->operator_id < OPERATORS);
            schedule(now + 20000, call_event(DC_EVENT_KIND_CALL_ENDED, cmd));
            dc_event done;
            memset(&done, 0, sizeof done);
            done.kind = DC_EVENT_KIND_ACW_DONE;
            done.operator_id = cmd->operator_id;
            done.contact = cmd->contact;
            done.disposition = DC_DISPOSITION_DONE;
            schedule(now + 25000, done);
            break;
          }
          case DC_COMMAND_KIND_ABANDON:
            abandons++;
            break;
          default:
            unexpected++;
            break;
        }
      }
    } while (written == 4);

    MUST(dc_campaign_counts(c, counts, DC_STATE_COUNT, &n_counts));
    EXPECT(n_counts == DC_STATE_COUNT);
    finished = counts[DC_STATE_SUCCESS] + counts[DC_STATE_NOT_REACHED] +
                   counts[DC_STATE_CANCELED_BY_CLIENT] ==
               N;
  }

  EXPECT(finished);
  EXPECT(unexpected == 0);
  uint32_t total = 0;
  for (size_t s = 0; s < DC_STATE_COUNT; s++) total += counts[s];
  EXPECT(total == N);
  EXPECT(counts[DC_STATE_NOT_REACHED] == N / 5);
  EXPECT(counts[DC_STATE_SUCCESS] == acw_done);
  EXPECT(counts[DC_STATE_CANCELED_BY_CLIENT] == abandons);
  EXPECT(acw_done + abandons == N - N / 5);
  EXPECT(acw_done > 0);
  for (int i = 0; i < N; i++) {
    unsigned expected = i % 5 == 1 ? 3 : i % 5 == 0 ? 2 : 1;
    if (dials_of[i] != expected) {
      fprintf(stderr, "contact %d: %u dials, expected %u\n", i, dials_of[i], expected);
      test_failures++;
    }
    uint8_t state = 255;
    MUST(dc_campaign_state(c, (uint32_t)i, &state));
    EXPECT(i % 5 != 1 || state == DC_STATE_NOT_REACHED);
  }

  dc_metrics m;
  MUST(dc_campaign_metrics(c, now, &m));
  EXPECT(m.dials == dials);
  EXPECT(m.connected == connects);
  EXPECT(m.abandoned == abandons);
  EXPECT(m.ready_operators == OPERATORS);
  size_t pending = 1;
  MUST(dc_campaign_pending(c, &pending));
  EXPECT(pending == 0);

  printf("     %u dials, %u connected, %u abandoned, %u success, %u not reached, %.1f s simulated\n",
         dials, connects, abandons, (unsigned)counts[DC_STATE_SUCCESS],
         (unsigned)counts[DC_STATE_NOT_REACHED], (double)(now - START_MS) / 1000.0);
  dc_campaign_free(c);
  dc_shutdown(); /* frees the time-zone cache: valgrind sees no leak */
  return test_finish("test_campaign (full predictive campaign)");
}
