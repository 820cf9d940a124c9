/*
 * Calling rules through the header: dc_campaign_load_rules (buffer) and
 * dc_campaign_load_rules_file (path). A bad file is
 * DC_STATUS_INVALID_ARGUMENT naming its line and field and keeps the rules
 * loaded before; a rule closing a contact's region holds its dial back.
 */
#include "test_common.h"

static dc_event op_event(dc_event_kind kind, uint32_t op) {
  dc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.operator_id = op;
  return ev;
}

static size_t dials_at(dc_campaign *c, uint64_t now) {
  dc_command cmds[16];
  size_t n = 0, dials = 0;
  MUST(dc_campaign_poll(c, now, cmds, 16, &n));
  for (size_t i = 0; i < n; i++) {
    if (cmds[i].kind == DC_COMMAND_KIND_DIAL) dials++;
  }
  return dials;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "/tmp";
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.abandon_guard = DC_ABANDON_GUARD_EXPECTED;
  dc_campaign *c = NULL;
  MUST(dc_campaign_new(&cfg, &c));
  uint32_t id = 0, op = 0;
  MUST(dc_campaign_add_contact(c, "+1 212 555 0100", NULL, "America/New_York", 0, &id));
  MUST(dc_campaign_add_operator(c, &op));
  dc_event login = op_event(DC_EVENT_KIND_OPERATOR_LOGIN, op);
  dc_event ready = op_event(DC_EVENT_KIND_OPERATOR_READY, op);
  MUST(dc_campaign_handle(c, &login, 0));
  MUST(dc_campaign_handle(c, &ready, 0));

  const char *closed = "[regions.US-NY]\nhours = \"never\"\n";
  MUST(dc_campaign_load_rules(c, (const uint8_t *)closed, strlen(closed)));

  const char *bad = "[regions.US-NY]\n\nmax_calls = 0\n";
  EXPECT_STATUS(DC_STATUS_INVALID_ARGUMENT,
                dc_campaign_load_rules(c, (const uint8_t *)bad, strlen(bad)));
  EXPECT(strstr(dc_last_error_message(), "line 3") != NULL);
  EXPECT(strstr(dc_last_error_message(), "regions.US-NY.max_calls") != NULL);
  EXPECT_STATUS(DC_STATUS_IO, dc_campaign_load_rules_file(c, "/nonexistent/rules.toml"));
  EXPECT_STATUS(DC_STATUS_NULL_POINTER, dc_campaign_load_rules_file(c, NULL));
  /* The rules loaded before still hold. */
  EXPECT(dials_at(c, 1000) == 0);

  char path[4096];
  snprintf(path, sizeof path, "%s/rules-open.toml", dir);
  FILE *f = fopen(path, "w");
  EXPECT(f != NULL);
  if (f) {
    fputs("[regions.US-TX]\nhours = \"never\"\n", f);
    fclose(f);
    MUST(dc_campaign_load_rules_file(c, path));
    EXPECT(dials_at(c, 2000) == 1);
  }
  dc_campaign_free(c);
  dc_shutdown();
  return test_finish("test_rules");
}
