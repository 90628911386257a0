// What every subcommand shares: the global flags, the output channels and the target options.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "photon_dct/ops/slot.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/write.hpp"
#include "photon_dct/text.hpp"
#include "progress.hpp"

namespace photon_dct::cli {

inline constexpr int kJsonSchemaVersion = 1;

struct Invocation {
    bool json = false;
    bool quiet = false;
    bool trace_usb = false;
    std::string command;               // the subcommand that ran
    std::function<int()> run;          // set by the chosen subcommand's callback
    std::vector<std::string> warnings; // collected for --json, printed to stderr otherwise
    // Units this run switched from normal mode into DFU mode (--json "mode_changes").
    nlohmann::json mode_changes = nlohmann::json::array();
    // Set once a write is read back and verified: the backup of the DCT as it was before. A later
    // failure (leave, output, a signal) reports it (main.cpp).
    std::optional<std::filesystem::path> verified_write_backup;
    // The unit (or image) the command opened, as the JSON unit object: an error document names it
    // (null when the error came before anything was opened).
    nlohmann::json unit = nullptr;
    bool json_printed = false; // the one JSON document is out
    TerminalProgress terminal; // the progress line while a step runs

    // Progress and diagnostics: stderr, human mode only, silenced by --quiet.
    void progress(std::string_view line);
    ops::ProgressFn progress_sink(); // progress() for a library option that takes a line callback
    void warn(std::string line);
    // Draws a step's progress line: only when stderr is a terminal, without --quiet, --json and
    // --trace-usb (whose lines it would garble).
    void step(const ops::StepProgress& progress);
    ops::ProgressObserver step_observer();
    // Prints the one JSON document of a successful run.
    // A recorded SIGINT/SIGTERM is reported instead (photon_dct::stop_if_signalled throws).
    void print_json_result(const nlohmann::json& result, int exit_code);
    // Prints the one JSON document of a failed run; `error` holds kind, message and hint.
    void print_json_error(const nlohmann::json& error, int exit_code);
    void record_mode_change(const ops::ModeChange& change);

private:
    nlohmann::json envelope(bool ok, int exit_code) const;
    void print_json_document(const nlohmann::json& doc);
};

// Environment defaults for options a bench sets once (documented in --help and the man page).
inline constexpr const char* kDeviceEnv = "PHOTON_DCT_DEVICE";        // --device
inline constexpr const char* kBackupDirEnv = "PHOTON_DCT_BACKUP_DIR"; // --backup-dir
inline constexpr const char* kProfileEnv = "PHOTON_DCT_PROFILE";      // --profile (verify, provision, bench)

// --no-enter-dfu and --dfu-timeout: switching a unit in normal mode into DFU mode.
struct EnterDfuFlags {
    bool no_enter_dfu = false;
    double dfu_timeout_s = 10;
};
void add_enter_dfu_flags(CLI::App& cmd, EnterDfuFlags& flags, bool with_no_enter);
ops::EnterDfuOptions enter_dfu_options(const EnterDfuFlags& flags, Invocation& invocation);

// --wait [SECONDS]: wait for a unit to appear; forever when SECONDS is left out.
struct WaitFlags {
    bool given = false;
    std::optional<double> seconds;
};
CLI::Option* add_wait_option(CLI::App& cmd, WaitFlags& flags);
// The notice goes to stderr unless -q, also under --json (stdout keeps its one document).
ops::WaitOptions wait_options(const WaitFlags& flags, const Invocation& invocation);

// --file/--platform/--device/--path/--backup-dir (and the EnterDfuFlags, --wait) on a subcommand.
struct TargetOptions {
    std::string file;
    std::string platform;
    std::string device;
    std::string path;
    std::string backup_dir = ".";
    EnterDfuFlags enter;
    WaitFlags wait;
};
void add_target_options(CLI::App& cmd, TargetOptions& options, bool with_backup_dir);
// What the options select; opened by the use-case once it has checked the rest.
ops::Target make_target(const TargetOptions& options, Invocation& invocation);

// --dry-run and --leave, on every command that writes.
struct WriteFlags {
    bool dry_run = false;
    bool leave = false;
};
void add_write_flags(CLI::App& cmd, WriteFlags& flags,
                     const std::string& dry_run_help = "show what would change and write nothing");
ops::WriteOptions write_options(const WriteFlags& flags, Invocation& invocation);

// --protocol tcp|udp: which slot; empty means the one the unit uses.
void add_protocol_option(CLI::App& cmd, std::string& protocol, const std::string& help);
// The slot named by the text given for `source` (e.g. "--protocol"); nullopt when left out.
std::optional<dct::Slot> slot_choice(const std::string& protocol, std::string_view source);
// A value the user typed for `option`; nullopt when it was left out (empty).
std::optional<ops::UserValue> option_value(const std::string& text, std::string option);

// Makes `run(*options, invocation)` what main() executes when `cmd` is the subcommand given.
template <typename Options>
void set_runner(CLI::App& cmd, Invocation& invocation, std::shared_ptr<Options> options,
                int (*run)(const Options&, Invocation&)) {
    cmd.callback([&cmd, &invocation, options, run] {
        invocation.command = cmd.get_name();
        invocation.run = [&invocation, options, run] { return run(*options, invocation); };
    });
}

// Each subcommand registers itself (one file per subcommand).
void register_list(CLI::App& app, Invocation& invocation);
void register_inspect(CLI::App& app, Invocation& invocation);
void register_backup(CLI::App& app, Invocation& invocation);
void register_restore_server(CLI::App& app, Invocation& invocation);
void register_restore_device_key(CLI::App& app, Invocation& invocation);
void register_new_device_key(CLI::App& app, Invocation& invocation);
void register_export_public_key(CLI::App& app, Invocation& invocation);
void register_restore(CLI::App& app, Invocation& invocation);
void register_protocol(CLI::App& app, Invocation& invocation);
void register_verify(CLI::App& app, Invocation& invocation);
void register_provision(CLI::App& app, Invocation& invocation);
void register_bench(CLI::App& app, Invocation& invocation);
void register_completion(CLI::App& app, Invocation& invocation);
void register_dfu(CLI::App& app, Invocation& invocation);

} // namespace photon_dct::cli
