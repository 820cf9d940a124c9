/*
 * Durable campaigns through the C API: open a data directory, run a few
 * polls and events, free, open again and check what recovery reports and
 * where it put the contacts whose calls were live; the directory lock
 * (DC_STATUS_LOCKED), a garbage journal (damage, its bytes kept aside),
 * both snapshots damaged (DC_STATUS_CORRUPT naming each), a changed
 * default time zone, changed compliance settings (refused unless
 * accept_config_change), a failed snapshot (dc_campaign_snapshot_error),
 * bad options, and the in-memory campaign's answers.
 *
 * argv[1] is a scratch directory (scripts/test-c passes its own); each run
 * makes a fresh subdirectory in it.
 */
#define _XOPEN_SOURCE 700

#include "test_common.h"

#include <sys/stat.h>
#include <unistd.h>

#define N 6
#define OPERATORS 2
#define START_MS 1700000000000ULL

static char base[512];

/* A fresh directory under the scratch directory, for one case. */
static void fresh_dir(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/%s", base, name);
  if (mkdir(buf, 0700) != 0) {
    perror(buf);
    exit(1);
  }
}

static dc_config config(void) {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.default_country = 1;
  cfg.calling_window = "always";
  return cfg;
}

static int is_live(uint8_t s) {
  return s == DC_STATE_AWAITING_OPERATOR || s == DC_STATE_OPERATOR_ASSIGNED ||
         s == DC_STATE_BCW || s == DC_STATE_CALLING ||
         s == DC_STATE_CALL_IN_PROGRESS || s == DC_STATE_ACW;
}

static void operator_event(dc_campaign *c, dc_event_kind kind, uint32_t op, uint64_t now) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.operator_id = op;
  MUST(dc_campaign_handle(c, &ev, now));
}

static void call_event(dc_campaign *c, dc_event_kind kind, const dc_command *cmd, uint64_t now) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.contact = cmd->contact;
  ev.attempt = cmd->attempt;
  MUST(dc_campaign_handle(c, &ev, now));
}

/* Open, dial, free, reopen: the report and the reconciled contacts. */
static void round_trip(void) {
  char dir[600];
  fresh_dir(dir, sizeof dir, "round-trip");
  dc_config cfg = config();
  dc_durable_options opts = dc_durable_options_default();
  EXPECT(opts.fsync_policy == DC_FSYNC_POLICY_ALWAYS);
  EXPECT(opts.snapshot_every_records == 10000000);
  opts.fsync_policy = DC_FSYNC_POLICY_NEVER; /* scratch data; keeps the test fast */

  dc_recovery_report rep;
  memset(&rep, 0xAB, sizeof rep);
  dc_campaign *c = NULL;
  MUST(dc_campaign_open(dir, &cfg, &opts, &rep, &c));
  EXPECT(rep.fresh);
  EXPECT(rep.snapshot_generation == UINT64_MAX);
  EXPECT(rep.records_replayed == 0);
  EXPECT(!rep.damaged);
  EXPECT(rep.damage_kind == DC_DAMAGE_KIND_NONE);
  EXPECT(rep.contacts == 0);
  EXPECT(rep.reconciled_count == 0);

  /* The directory is held while the handle lives. */
  dc_campaign *second = NULL;
  EXPECT_STATUS(DC_STATUS_LOCKED, dc_campaign_open(dir, &cfg, NULL, NULL, &second));
  EXPECT(second == NULL);
  EXPECT(strstr(dc_last_error_message(), dir) != NULL);
  EXPECT(strstr(dc_last_error_message(), "locked by this process") != NULL);

  const char *phones[N] = {"212-555-0100", "212-555-0101", "212-555-0102",
                           "212-555-0103", "212-555-0104", "212-555-0105"};
  uint32_t first = 99;
  MUST(dc_campaign_add_contacts(c, phones, N, 0, &first));
  EXPECT(first == 0);
  uint64_t now = START_MS;
  for (int i = 0; i < OPERATORS; i++) {
    uint32_t op;
    MUST(dc_campaign_add_operator(c, &op));
    operator_event(c, DC_EVENT_KIND_OPERATOR_LOGIN, op, now);
    operator_event(c, DC_EVENT_KIND_OPERATOR_READY, op, now);
  }

  /* Dial; answer the first call (it connects), the second is unreachable
   * (a retry), the rest keep ringing. */
  dc_command cmds[16];
  size_t n = 0;
  MUST(dc_campaign_poll(c, now, cmds, 16, &n));
  size_t dials = 0;
  dc_command dialed[16];
  for (size_t i = 0; i < n; i++) {
    if (cmds[i].kind == DC_COMMAND_KIND_DIAL) dialed[dials++] = cmds[i];
  }
  EXPECT(dials >= 2);
  if (dials < 2) {
    dc_campaign_free(c);
    return;
  }
  now += 5000;
  call_event(c, DC_EVENT_KIND_ANSWERED, &dialed[0], now);
  call_event(c, DC_EVENT_KIND_UNREACHABLE, &dialed[1], now);
  MUST(dc_campaign_poll(c, now, cmds, 16, &n));

  uint64_t generation = 0;
  MUST(dc_campaign_snapshot(c, &generation));
  EXPECT(generation == 1);
  uint64_t jgen = 0, records = 99, bytes = 0;
  MUST(dc_campaign_journal_position(c, &jgen, &records, &bytes));
  EXPECT(jgen == 1);
  EXPECT(bytes > 0);

  /* More changes after the snapshot, replayed from journal 1. */
  now += 1000;
  if (dials >= 3) call_event(c, DC_EVENT_KIND_REJECTED, &dialed[2], now);
  MUST(dc_campaign_poll(c, now, cmds, 16, &n));
  MUST(dc_campaign_flush(c));
  EXPECT_STATUS(DC_STATUS_OK, dc_campaign_durability_error(c));

  /* inspect reads without the lock, while the campaign is open. */
  dc_recovery_report seen;
  MUST(dc_campaign_inspect(dir, &cfg, &seen));
  EXPECT(!seen.fresh);
  EXPECT(seen.contacts == N);
  EXPECT(seen.snapshot_generation == 1);

  uint8_t before[N];
  unsigned live = 0;
  for (uint32_t id = 0; id < N; id++) {
    MUST(dc_campaign_state(c, id, &before[id]));
    if (is_live(before[id])) live++;
  }
  EXPECT(before[dialed[0].contact] == DC_STATE_CALL_IN_PROGRESS);
  EXPECT(before[dialed[1].contact] == DC_STATE_RETRY_SCHEDULED);
  EXPECT(live >= 1);
  dc_campaign_free(c);

  /* A different default time zone does not fit the stored campaign. */
  dc_config berlin = config();
  berlin.default_timezone = "Europe/Berlin";
  c = NULL;
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_open(dir, &berlin, NULL, NULL, &c));
  EXPECT(c == NULL);
  EXPECT(strstr(dc_last_error_message(), dir) != NULL);

  memset(&rep, 0xAB, sizeof rep);
  MUST(dc_campaign_open(dir, &cfg, &opts, &rep, &c));
  EXPECT(!rep.fresh);
  EXPECT(rep.snapshot_generation == 1);
  EXPECT(rep.journals_replayed == 1);
  EXPECT(rep.records_replayed > 0);
  EXPECT(!rep.damaged);
  EXPECT(rep.damaged_bytes == 0 && rep.records_lost == 0 && !rep.loss_uncounted);
  EXPECT(rep.damage_count == 0 && rep.config_changes == 0 && rep.lost_contacts == 0);
  EXPECT(rep.skipped_files == 0);
  EXPECT(rep.contacts == N);
  EXPECT(rep.now_ms == now);
  EXPECT(rep.reconciled_count == live);

  size_t count = 0;
  MUST(dc_campaign_contact_count(c, &count));
  EXPECT(count == N);

  dc_reconciled list[N];
  size_t written = 99;
  MUST(dc_campaign_reconciled(c, NULL, 0, &written));
  EXPECT(written == 0);
  MUST(dc_campaign_reconciled(c, list, N, &written));
  EXPECT(written == live);
  for (size_t i = 0; i < written; i++) {
    uint32_t id = list[i].contact;
    EXPECT(id < N);
    if (id >= N) continue;
    EXPECT(list[i].was == before[id]);
    uint8_t now_state = 0;
    MUST(dc_campaign_state(c, id, &now_state));
    EXPECT(list[i].now == now_state);
    if (before[id] == DC_STATE_CALL_IN_PROGRESS) {
      EXPECT(now_state == DC_STATE_SUCCESS);
    } else {
      EXPECT(now_state == DC_STATE_RETRY_SCHEDULED);
    }
    if (before[id] == DC_STATE_CALLING || before[id] == DC_STATE_CALL_IN_PROGRESS) {
      EXPECT(list[i].attempts == 1);
    }
  }
  /* Contacts that were not live kept their state. */
  for (uint32_t id = 0; id < N; id++) {
    uint8_t s = 0;
    MUST(dc_campaign_state(c, id, &s));
    if (!is_live(before[id])) EXPECT(s == before[id]);
    else EXPECT(!is_live(s));
  }
  /* A short buffer gets the first entries. */
  if (live >= 2) {
    MUST(dc_campaign_reconciled(c, list, 1, &written));
    EXPECT(written == 1);
  }
  dc_campaign_free(c);
}

/* A journal that is not a journal: damage (its records lost, how many
 * unknown), its bytes kept aside; not an error. */
static void garbage_journal(void) {
  char dir[600], path[700];
  fresh_dir(dir, sizeof dir, "garbage");
  snprintf(path, sizeof path, "%s/journal-00000000.dcj", dir);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  for (int i = 0; i < 256; i++) fputc("not a journal "[i % 14], f);
  fclose(f);
  dc_config cfg = config();
  dc_campaign *c = NULL;
  dc_recovery_report rep;
  MUST(dc_campaign_inspect(dir, &cfg, &rep));
  EXPECT(rep.damaged && rep.damage_kind == DC_DAMAGE_KIND_BAD_HEADER);
  MUST(dc_campaign_open(dir, &cfg, NULL, &rep, &c));
  EXPECT(rep.damaged && rep.damage_kind == DC_DAMAGE_KIND_BAD_HEADER);
  EXPECT(rep.loss_uncounted && rep.damage_count == 1 && rep.damaged_bytes == 256);
  dc_campaign_free(c);
  snprintf(path, sizeof path, "%s/journal-00000000.dcj.damaged-0", dir);
  struct stat st;
  EXPECT(stat(path, &st) == 0 && st.st_size == 256);
}

/* Flips one byte in the middle of a file. */
static void flip_middle(const char *path) {
  FILE *f = fopen(path, "r+b");
  if (f == NULL) {
    perror(path);
    exit(1);
  }
  /* The middle of the written bytes: a journal is preallocated, so its
   * zero tail (the clean end, not data) is left out. */
  long len = 0, at = 0;
  int c;
  while ((c = fgetc(f)) != EOF) {
    at++;
    if (c != 0) len = at;
  }
  fseek(f, len / 2, SEEK_SET);
  int b = fgetc(f);
  fseek(f, len / 2, SEEK_SET);
  fputc(b ^ 0x10, f);
  fclose(f);
}

/* Salvage: a flipped byte in the middle of the journal loses one record;
 * both snapshots damaged is an error naming each. */
static void salvage_and_damaged_snapshots(void) {
  char dir[600], path[700];
  fresh_dir(dir, sizeof dir, "salvage");
  dc_config cfg = config();
  dc_durable_options opts = dc_durable_options_default();
  opts.fsync_policy = DC_FSYNC_POLICY_NEVER;
  opts.snapshot_every_records = 0;
  dc_campaign *c = NULL;
  MUST(dc_campaign_open(dir, &cfg, &opts, NULL, &c));
  uint64_t numbers[N] = {12125550100ULL, 12125550101ULL, 12125550102ULL,
                         12125550103ULL, 12125550104ULL, 12125550105ULL};
  MUST(dc_campaign_add_numbers(c, numbers, N, 0, NULL));
  /* Enough blacklist records that the middle of the journal is one of
   * them, however long the configuration record at its start grows. */
  for (int i = 0; i < 120; i++) {
    dc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = DC_EVENT_KIND_BLACKLIST_ADD;
    ev.number = 12125550200ULL + (uint64_t)i;
    MUST(dc_campaign_handle(c, &ev, START_MS + (uint64_t)i));
  }
  dc_campaign_free(c);
  snprintf(path, sizeof path, "%s/journal-00000000.dcj", dir);
  flip_middle(path);
  dc_recovery_report rep;
  MUST(dc_campaign_open(dir, &cfg, &opts, &rep, &c));
  /* The flipped byte may be in a frame's header (bad frame) or its body. */
  EXPECT(rep.damaged && (rep.damage_kind == DC_DAMAGE_KIND_BAD_CHECKSUM ||
                         rep.damage_kind == DC_DAMAGE_KIND_BAD_FRAME));
  EXPECT(rep.records_lost == 1 && !rep.loss_uncounted);
  EXPECT(rep.recovered_after_damage > 10);
  EXPECT(rep.contacts == N);
  uint64_t g = 0;
  MUST(dc_campaign_snapshot(c, &g));
  MUST(dc_campaign_snapshot(c, &g));
  dc_campaign_free(c);
  for (uint64_t k = g - 1; k <= g; k++) {
    snprintf(path, sizeof path, "%s/snapshot-%08llx.dcs", dir, (unsigned long long)k);
    flip_middle(path);
  }
  EXPECT_STATUS(DC_STATUS_CORRUPT, dc_campaign_open(dir, &cfg, &opts, NULL, &c));
  for (uint64_t k = g - 1; k <= g; k++) {
    char name[64];
    snprintf(name, sizeof name, "snapshot-%08llx.dcs", (unsigned long long)k);
    EXPECT(strstr(dc_last_error_message(), name) != NULL);
  }
}

/* Reopening with other compliance settings is refused naming the field,
 * unless accept_config_change. */
static void config_change(void) {
  char dir[600];
  fresh_dir(dir, sizeof dir, "config-change");
  dc_config cfg = config();
  dc_campaign *c = NULL;
  MUST(dc_campaign_open(dir, &cfg, NULL, NULL, &c));
  dc_campaign_free(c);
  dc_config other = cfg;
  other.mode = DC_MODE_PROGRESSIVE;
  c = NULL;
  EXPECT_STATUS(DC_STATUS_INVALID_CONFIG, dc_campaign_open(dir, &other, NULL, NULL, &c));
  EXPECT(c == NULL);
  EXPECT(strstr(dc_last_error_message(), "mode changed from Predictive to Progressive") != NULL);
  dc_durable_options opts = dc_durable_options_default();
  EXPECT(!opts.accept_config_change);
  opts.accept_config_change = true;
  dc_recovery_report rep;
  MUST(dc_campaign_open(dir, &other, &opts, &rep, &c));
  EXPECT(rep.config_changes == 1);
  dc_campaign_free(c);
  MUST(dc_campaign_open(dir, &other, NULL, &rep, &c));
  EXPECT(rep.config_changes == 0);
  dc_campaign_free(c);
}

/* A failed snapshot (a directory where its temporary file goes) is an
 * error of dc_campaign_snapshot and stays visible in
 * dc_campaign_snapshot_error until a snapshot succeeds; the journal goes on. */
static void snapshot_error(void) {
  char dir[600], blocker[700];
  fresh_dir(dir, sizeof dir, "snapshot-error");
  dc_config cfg = config();
  dc_campaign *c = NULL;
  MUST(dc_campaign_open(dir, &cfg, NULL, NULL, &c));
  EXPECT_STATUS(DC_STATUS_OK, dc_campaign_snapshot_error(c));
  snprintf(blocker, sizeof blocker, "%s/snapshot-00000001.dcs.tmp", dir);
  EXPECT(mkdir(blocker, 0700) == 0);
  char inner[800];
  snprintf(inner, sizeof inner, "%s/x", blocker);
  EXPECT(mkdir(inner, 0700) == 0);
  uint64_t g = 0;
  EXPECT_STATUS(DC_STATUS_IO, dc_campaign_snapshot(c, &g));
  EXPECT_STATUS(DC_STATUS_IO, dc_campaign_snapshot_error(c));
  EXPECT(strstr(dc_last_error_message(), "snapshot-00000001.dcs") != NULL);
  EXPECT_STATUS(DC_STATUS_OK, dc_campaign_durability_error(c));
  EXPECT(rmdir(inner) == 0 && rmdir(blocker) == 0);
  MUST(dc_campaign_snapshot(c, &g));
  EXPECT(g == 1);
  EXPECT_STATUS(DC_STATUS_OK, dc_campaign_snapshot_error(c));
  dc_campaign_free(c);
}

static void bad_arguments(void) {
  char dir[600];
  fresh_dir(dir, sizeof dir, "bad-args");
  dc_config cfg = config();
  dc_campaign *c = NULL;
  dc_durable_options opts = dc_durable_options_default();
  opts.fsync_policy = (dc_fsync_policy)7;
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_open(dir, &cfg, &opts, NULL, &c));
  EXPECT(strstr(dc_last_error_message(), "fsync_policy") != NULL);
  opts.fsync_policy = DC_FSYNC_POLICY_EVERY_MS;
  opts.fsync_every_ms = 0;
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT, dc_campaign_open(dir, &cfg, &opts, NULL, &c));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_open(NULL, &cfg, NULL, NULL, &c));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_open(dir, NULL, NULL, NULL, &c));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_open(dir, &cfg, NULL, NULL, NULL));
  EXPECT(c == NULL);

  /* EVERY_MS with an interval works; the report is optional. */
  opts.fsync_every_ms = 50;
  MUST(dc_campaign_open(dir, &cfg, &opts, NULL, &c));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_reconciled(c, NULL, 1, NULL));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_reconciled(c, NULL, 1, &(size_t){0}));
  dc_campaign_free(c);

  char missing[700];
  snprintf(missing, sizeof missing, "%s/no-such-dir", base);
  dc_recovery_report rep;
  EXPECT_STATUS(DC_STATUS_IO, dc_campaign_inspect(missing, &cfg, &rep));
  EXPECT(strstr(dc_last_error_message(), missing) != NULL);
}

/* A campaign from dc_campaign_new has no data directory. */
static void in_memory(void) {
  dc_config cfg = config();
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  MUST(dc_campaign_flush(c));
  EXPECT_STATUS(DC_STATUS_OK, dc_campaign_durability_error(c));
  uint64_t g = 7;
  EXPECT_STATUS(DC_STATUS_NOT_DURABLE, dc_campaign_snapshot(c, &g));
  EXPECT(g == 7);
  EXPECT_STATUS(DC_STATUS_NOT_DURABLE, dc_campaign_journal_position(c, NULL, NULL, NULL));
  size_t written = 99;
  dc_reconciled r;
  MUST(dc_campaign_reconciled(c, &r, 1, &written));
  EXPECT(written == 0);
  dc_campaign_free(c);

  EXPECT(strcmp(dc_status_name(DC_STATUS_LOCKED), "DC_STATUS_LOCKED") == 0);
  EXPECT(strcmp(dc_status_name(DC_STATUS_CORRUPT), "DC_STATUS_CORRUPT") == 0);
  EXPECT(strcmp(dc_status_name(DC_STATUS_NOT_DURABLE), "DC_STATUS_NOT_DURABLE") == 0);
  EXPECT(DC_STATUS_PANIC == 16 && DC_STATUS_LOCKED == 17);
  EXPECT(strcmp(dc_status_name(DC_STATUS_CAMPAIGN_BUSY), "DC_STATUS_CAMPAIGN_BUSY") == 0);
  /* One past the last status code (the floor's DC_STATUS_CAMPAIGN_BUSY). */
  EXPECT(strcmp(dc_status_name(DC_STATUS_CAMPAIGN_BUSY + 1), "unknown") == 0);
}

int main(int argc, char **argv) {
  const char *scratch = argc > 1 ? argv[1] : "/tmp";
  snprintf(base, sizeof base, "%s/durable.XXXXXX", scratch);
  if (mkdtemp(base) == NULL) {
    perror(base);
    return 1;
  }
  round_trip();
  garbage_journal();
  salvage_and_damaged_snapshots();
  config_change();
  snapshot_error();
  bad_arguments();
  in_memory();
  dc_shutdown(); /* frees the time-zone cache: valgrind sees no leak */
  return test_finish("test_durable");
}
