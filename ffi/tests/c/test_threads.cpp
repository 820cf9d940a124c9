// Four threads drive one campaign at once through the C API: a timer thread
// polls and hands out commands, a call thread answers dials and ends calls,
// an operator thread finishes after-call work, and a status thread queries
// counts, states and metrics. At the end every contact is done, and no
// command or event was lost or duplicated.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "dialcore.h"

namespace {

constexpr uint32_t kContacts = 2000;
constexpr uint32_t kOperators = 8;
constexpr uint64_t kStart = 1700000000000ULL;

std::atomic<int> failures{0};

void fail(const char *what, dc_status s) {
  std::fprintf(stderr, "%s: %s: %s\n", what, dc_status_name(s), dc_last_error_message());
  failures++;
}

template <typename T>
class Channel {
 public:
  void push(T v) {
    {
      std::lock_guard<std::mutex> g(m_);
      q_.push_back(std::move(v));
    }
    cv_.notify_one();
  }
  bool pop(T &out, const std::atomic<bool> &done) {
    std::unique_lock<std::mutex> g(m_);
    while (q_.empty()) {
      if (done) return false;
      cv_.wait_for(g, std::chrono::milliseconds(1));
    }
    out = q_.front();
    q_.pop_front();
    return true;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<T> q_;
};

dc_event make(dc_event_kind kind, uint32_t contact, uint8_t attempt, uint32_t op) {
  dc_event ev;
  std::memset(&ev, 0, sizeof ev);
  ev.kind = kind;
  ev.contact = contact;
  ev.attempt = attempt;
  ev.operator_id = op;
  return ev;
}

}  // namespace

int main() {
  dc_config cfg = dc_config_default();
  cfg.mode = DC_MODE_PREDICTIVE;
  cfg.max_attempts = 1;
  cfg.predictive_ratio = 2.0;
  cfg.abandon_limit_ms = 60000;
  cfg.ring_timeout_ms = 600000;  // a slow call thread must not meet ring timeouts
  dc_campaign *c = nullptr;
  dc_status s = dc_campaign_new(&cfg, &c);
  if (s != DC_STATUS_OK) {
    fail("dc_campaign_new", s);
    return 1;
  }
  std::vector<uint64_t> numbers;
  for (uint32_t i = 0; i < kContacts; i++) numbers.push_back(4930100000ULL + i);
  if ((s = dc_campaign_add_numbers(c, numbers.data(), numbers.size(), 0, nullptr)) != DC_STATUS_OK)
    fail("add_numbers", s);
  for (uint32_t i = 0; i < kOperators; i++) {
    uint32_t op = 0;
    dc_campaign_add_operator(c, &op);
    dc_event login = make(DC_EVENT_KIND_OPERATOR_LOGIN, 0, 0, op);
    dc_event ready = make(DC_EVENT_KIND_OPERATOR_READY, 0, 0, op);
    if ((s = dc_campaign_handle(c, &login, kStart)) != DC_STATUS_OK) fail("login", s);
    if ((s = dc_campaign_handle(c, &ready, kStart)) != DC_STATUS_OK) fail("ready", s);
  }

  std::atomic<uint64_t> now{kStart};
  std::atomic<bool> done{false};
  Channel<dc_command> to_calls;                      // Dial, Connect
  Channel<std::pair<uint32_t, uint32_t>> to_agents;  // (operator, contact) in ACW
  std::atomic<uint64_t> dials{0}, connects{0}, abandons{0}, answered_sent{0}, rejected_sent{0},
      ended{0}, acw_done{0}, other{0}, status_queries{0};
  std::mutex seen_m;
  std::set<uint32_t> dialed;  // each contact is dialed once (max_attempts = 1)
  std::set<uint32_t> connected;

  std::thread timer([&] {
    dc_command buf[3];  // small on purpose: the rest waits in the handle
    while (!done) {
      uint64_t t = now.fetch_add(10) + 10;
      size_t n = 0;
      do {
        dc_status st = dc_campaign_poll(c, t, buf, 3, &n);
        if (st != DC_STATUS_OK) {
          fail("poll", st);
          done = true;
          break;
        }
        for (size_t i = 0; i < n; i++) {
          const dc_command &cmd = buf[i];
          std::lock_guard<std::mutex> g(seen_m);
          if (cmd.kind == DC_COMMAND_KIND_DIAL) {
            dials++;
            if (!dialed.insert(cmd.contact).second) {
              std::fprintf(stderr, "contact %u dialed twice\n", cmd.contact);
              failures++;
            }
            to_calls.push(cmd);
          } else if (cmd.kind == DC_COMMAND_KIND_CONNECT) {
            connects++;
            if (!connected.insert(cmd.contact).second) {
              std::fprintf(stderr, "contact %u connected twice\n", cmd.contact);
              failures++;
            }
            to_calls.push(cmd);
          } else if (cmd.kind == DC_COMMAND_KIND_ABANDON) {
            abandons++;
          } else {
            other++;
          }
        }
      } while (n == 3);
      std::this_thread::yield();
    }
  });

  std::thread calls([&] {
    dc_command cmd;
    while (to_calls.pop(cmd, done)) {
      dc_event ev;
      if (cmd.kind == DC_COMMAND_KIND_DIAL) {
        bool busy = cmd.contact % 7 == 3;
        ev = make(busy ? DC_EVENT_KIND_REJECTED : DC_EVENT_KIND_ANSWERED, cmd.contact, cmd.attempt, 0);
        (busy ? rejected_sent : answered_sent)++;
      } else {
        ev = make(DC_EVENT_KIND_CALL_ENDED, cmd.contact, cmd.attempt, 0);
        ended++;
      }
      dc_status st = dc_campaign_handle(c, &ev, now.load());
      if (st != DC_STATUS_OK) fail("call event", st);
      if (cmd.kind == DC_COMMAND_KIND_CONNECT) to_agents.push({cmd.operator_id, cmd.contact});
    }
  });

  std::thread agents([&] {
    std::pair<uint32_t, uint32_t> work;
    while (to_agents.pop(work, done)) {
      dc_event ev = make(DC_EVENT_KIND_ACW_DONE, work.second, 0, work.first);
      ev.disposition = DC_DISPOSITION_DONE;
      dc_status st = dc_campaign_handle(c, &ev, now.load());
      if (st != DC_STATUS_OK) fail("acw done", st);
      acw_done++;
    }
  });

  std::thread status([&] {
    uint32_t counts[DC_STATE_COUNT];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!done) {
      size_t n = 0;
      dc_status st = dc_campaign_counts(c, counts, DC_STATE_COUNT, &n);
      if (st != DC_STATUS_OK) fail("counts", st);
      uint64_t total = 0;
      for (size_t i = 0; i < n; i++) total += counts[i];
      if (total != kContacts) {
        std::fprintf(stderr, "counts sum to %llu\n", static_cast<unsigned long long>(total));
        failures++;
      }
      dc_metrics m;
      if ((st = dc_campaign_metrics(c, now.load(), &m)) != DC_STATUS_OK) fail("metrics", st);
      uint8_t state = 0;
      if ((st = dc_campaign_state(c, static_cast<uint32_t>(status_queries % kContacts), &state)) !=
          DC_STATUS_OK)
        fail("state", st);
      status_queries++;
      uint64_t finished = counts[DC_STATE_SUCCESS] + counts[DC_STATE_NOT_REACHED] +
                          counts[DC_STATE_CANCELED_BY_CLIENT];
      if (finished == kContacts || failures > 0 || std::chrono::steady_clock::now() > deadline) {
        if (finished != kContacts) {
          std::fprintf(stderr, "not finished: %llu of %u done\n",
                       static_cast<unsigned long long>(finished), kContacts);
          failures++;
        }
        done = true;
      }
      std::this_thread::yield();
    }
  });

  timer.join();
  calls.join();
  agents.join();
  status.join();

  uint32_t counts[DC_STATE_COUNT];
  size_t n = 0;
  dc_campaign_counts(c, counts, DC_STATE_COUNT, &n);
  dc_metrics m;
  dc_campaign_metrics(c, now.load(), &m);
  size_t pending = 99;
  dc_campaign_pending(c, &pending);
  auto expect = [](bool ok, const char *what) {
    if (!ok) {
      std::fprintf(stderr, "expected %s\n", what);
      failures++;
    }
  };
  expect(dials == kContacts, "one dial per contact");
  expect(answered_sent + rejected_sent == dials, "one answer per dial");
  expect(connects == ended && ended == acw_done, "each connect ended once and closed once");
  expect(counts[DC_STATE_SUCCESS] == acw_done, "Success == AcwDone sent");
  expect(counts[DC_STATE_CANCELED_BY_CLIENT] == abandons, "CanceledByClient == Abandon commands");
  expect(counts[DC_STATE_NOT_REACHED] == rejected_sent, "NotReached == busy answers");
  expect(connects + abandons == answered_sent, "each answered call connected or abandoned");
  expect(m.dials == dials && m.connected == connects, "metrics agree with the host");
  expect(other == 0, "no offers, hangups or revokes in predictive mode");
  expect(pending == 0, "no command left behind");
  std::printf("     %llu dials, %llu connected, %llu abandoned, %llu status queries\n",
              static_cast<unsigned long long>(dials.load()),
              static_cast<unsigned long long>(connects.load()),
              static_cast<unsigned long long>(abandons.load()),
              static_cast<unsigned long long>(status_queries.load()));
  dc_campaign_free(c);
  dc_shutdown();
  if (failures == 0) {
    std::printf("ok   test_threads (4 threads on one campaign)\n");
    return 0;
  }
  std::printf("FAIL test_threads (%d checks failed)\n", failures.load());
  return 1;
}
