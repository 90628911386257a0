#include <csignal>

#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/bench/bench.hpp"
#include "station.hpp"

namespace photon_dct::cli {
namespace {

struct BenchCommandOptions {
    ProfileOptions profile;
    unsigned parallel = 8;
    unsigned count = 0;
    double idle_exit = 0;
    EnterDfuFlags enter;
};

std::atomic<bool> g_stop{false};

extern "C" void request_stop(int) { g_stop = true; }

// SIGINT/SIGTERM end the bench after the units in flight; restored when the bench returns.
class StopOnSignals {
public:
    StopOnSignals() {
        struct sigaction sa {};
        sa.sa_handler = request_stop;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int_);
        sigaction(SIGTERM, &sa, &old_term_);
    }
    ~StopOnSignals() {
        sigaction(SIGINT, &old_int_, nullptr);
        sigaction(SIGTERM, &old_term_, nullptr);
    }
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

// One JSON Lines document: the usual envelope on one line.
void print_json_line(const Invocation& invocation, const char* type, const nlohmann::json& result, int exit_code) {
    const nlohmann::json doc{{"schema_version", kJsonSchemaVersion},
                             {"tool", "photon-dct"},
                             {"version", PHOTON_DCT_VERSION},
                             {"command", invocation.command},
                             {"type", type},
                             {"ok", true},
                             {"exit_code", exit_code},
                             {"result", result}};
    fmt::print("{}\n", doc.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace));
    std::fflush(stdout);
}

int run_bench_command(const BenchCommandOptions& o, Invocation& invocation) {
    const auto loaded = load_station(o.profile);
    bench::BenchOptions options;
    options.parallel = o.parallel;
    if (o.count > 0) options.count = o.count;
    if (o.idle_exit > 0) options.idle_exit = std::chrono::milliseconds(static_cast<long long>(o.idle_exit * 1000));
    if (invocation.trace_usb)
        options.session.trace = [](std::string_view line) { fmt::print(stderr, "usb: {}\n", escape_text(line)); };
    options.progress = invocation.progress_sink();
    options.enter_dfu = enter_dfu_options(o.enter, invocation);
    options.on_unit = [&invocation](const bench::Attempt& a) {
        if (invocation.json)
            print_json_line(invocation, "unit", attempt_json(a), a.exit_code);
        else {
            fmt::print("{}\n", unit_line(a));
            std::fflush(stdout);
        }
    };
    g_stop = false;
    options.stop = &g_stop;
    const StopOnSignals signals;
    const auto s = bench::run_bench(loaded.station, options);

    const int code = s.failed > 0 ? kExitUnitFailed : kExitOk;
    if (invocation.json) {
        print_json_line(invocation, "summary",
                        {{"units", s.total()},
                         {"passed", s.passed},
                         {"same", s.same},
                         {"failed", s.failed},
                         {"seconds", s.seconds},
                         {"units_per_minute", s.units_per_minute},
                         {"interrupted", s.interrupted}},
                        code);
        return code;
    }
    fmt::print("{} unit{} in {:.1f} s ({:.1f} units per minute): {} passed, {} already conformed, {} failed{}\n",
               s.total(), s.total() == 1 ? "" : "s", s.seconds, s.units_per_minute, s.passed, s.same, s.failed,
               s.interrupted ? " (stopped by a signal)" : "");
    return code;
}

} // namespace

void register_bench(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<BenchCommandOptions>();
    auto* cmd = app.add_subcommand(
        "bench", "wait for units and provision each against a profile, several at once, one line per unit");
    add_profile_options(*cmd, o->profile);
    cmd->add_option("--parallel", o->parallel, "units provisioned at once (default 8)")->check(CLI::Range(1u, 64u));
    cmd->add_option("--count", o->count, "stop after this many units")->check(CLI::PositiveNumber);
    cmd->add_option("--idle-exit", o->idle_exit, "stop after this many seconds without a unit")
        ->check(CLI::PositiveNumber);
    add_enter_dfu_flags(*cmd, o->enter, true);
    set_runner(*cmd, invocation, o, run_bench_command);
}

} // namespace photon_dct::cli
