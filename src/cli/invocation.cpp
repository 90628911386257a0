#include "invocation.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "photon_dct/ops/unit.hpp"
#include "photon_dct/signals.hpp"
#include "report.hpp"

namespace photon_dct::cli {

// Progress lines and warnings may quote device strings and file names: escaped as a whole.
void Invocation::progress(std::string_view line) {
    if (json || quiet) return;
    terminal.clear();
    fmt::print(stderr, "{}\n", escape_text(line));
}

void Invocation::warn(std::string line) {
    terminal.clear();
    if (!json) fmt::print(stderr, "warning: {}\n", escape_text(line));
    warnings.push_back(std::move(line));
}

void Invocation::step(const ops::StepProgress& p) {
    terminal.show(p, !json && !quiet && !trace_usb && stderr_is_terminal());
}

ops::ProgressFn Invocation::progress_sink() {
    return [this](std::string_view line) { progress(line); };
}

ops::ProgressObserver Invocation::step_observer() {
    return [this](const ops::StepProgress& p) { step(p); };
}

nlohmann::json Invocation::envelope(bool ok, int exit_code) const {
    return {{"schema_version", kJsonSchemaVersion},
            {"tool", "photon-dct"},
            {"version", PHOTON_DCT_VERSION},
            {"command", text_or_null(command)},
            {"ok", ok},
            {"exit_code", exit_code},
            {"warnings", warnings},
            {"mode_changes", mode_changes}};
}

void Invocation::record_mode_change(const ops::ModeChange& c) {
    nlohmann::json attempts = nlohmann::json::array();
    for (const auto& a : c.attempts)
        attempts.push_back({{"request", a.request}, {"outcome", a.outcome}, {"entered", a.entered}});
    mode_changes.push_back({{"source", c.unit.describe()},
                            {"unit", unit_json(ops::unit_info(c.unit))},
                            {"from", "normal"},
                            {"to", "dfu"},
                            {"device_os", optional_json(c.device_os)},
                            {"attempts", attempts},
                            {"followed_by", c.followed_by},
                            {"serial_after", text_or_null(c.serial_after)},
                            {"path_after", text_or_null(c.port_path_after)},
                            {"seconds", c.seconds}});
}

void add_enter_dfu_flags(CLI::App& cmd, EnterDfuFlags& flags, bool with_no_enter) {
    if (with_no_enter)
        cmd.add_flag("--no-enter-dfu", flags.no_enter_dfu,
                     "refuse a unit in normal mode instead of switching it into DFU mode");
    cmd.add_option("--dfu-timeout", flags.dfu_timeout_s,
                   "seconds a unit may take to come back in DFU mode after the switch (default 10)")
        ->check(CLI::Range(0.1, 600.0));
}

ops::EnterDfuOptions enter_dfu_options(const EnterDfuFlags& flags, Invocation& invocation) {
    ops::EnterDfuOptions o;
    o.enabled = !flags.no_enter_dfu;
    o.come_back_timeout = std::chrono::milliseconds(static_cast<long>(flags.dfu_timeout_s * 1000));
    o.progress = invocation.progress_sink();
    o.observer = invocation.step_observer();
    return o;
}

// Strings in the document hold the bytes as they are (JSON escapes control characters); a byte
// sequence that is not UTF-8 (a half-erased DCT, a file name) becomes U+FFFD instead of failing,
// so every run prints one valid document (man page, JSON OUTPUT).
void Invocation::print_json_document(const nlohmann::json& doc) {
    const auto text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    json_printed = true; // even if the write fails: a second document must not follow
    fmt::print("{}\n", text);
}

void Invocation::print_json_result(const nlohmann::json& result, int exit_code) {
    stop_if_signalled("before printing the result");
    auto doc = envelope(true, exit_code);
    doc["result"] = result;
    print_json_document(doc);
}

void Invocation::print_json_error(const nlohmann::json& error, int exit_code) {
    auto doc = envelope(false, exit_code);
    doc["error"] = error;
    print_json_document(doc);
}

CLI::Option* add_wait_option(CLI::App& cmd, WaitFlags& flags) {
    return cmd
        .add_option_function<std::string>(
            "--wait",
            [&flags](const std::string& text) {
                flags.given = true;
                if (text.empty()) return; // no SECONDS: wait until a unit appears
                std::size_t used = 0;
                double seconds = 0;
                try {
                    seconds = std::stod(text, &used);
                } catch (const std::exception&) {
                    used = 0;
                }
                if (used != text.size() || !(seconds > 0) || seconds > 86400)
                    throw CLI::ValidationError(
                        "--wait", "SECONDS must be a number from 0.1 to 86400, e.g. --wait 30 (got '" + text + "')");
                flags.seconds = seconds;
            },
            "when no unit is attached, wait for one to appear (in DFU or normal mode); for at most SECONDS, "
            "else until Ctrl-C")
        ->expected(0, 1)
        ->type_name("[SECONDS]");
}

ops::WaitOptions wait_options(const WaitFlags& flags, const Invocation& invocation) {
    ops::WaitOptions w;
    w.enabled = flags.given;
    if (flags.seconds) w.timeout = std::chrono::milliseconds(static_cast<long>(*flags.seconds * 1000));
    const bool quiet = invocation.quiet;
    w.notice = [quiet](std::string_view line) {
        if (!quiet) fmt::print(stderr, "{}\n", escape_text(line));
    };
    return w;
}

void add_target_options(CLI::App& cmd, TargetOptions& options, bool with_backup_dir) {
    auto* file = cmd.add_option("--file", options.file, "work on this DCT image instead of a unit on USB");
    add_wait_option(cmd, options.wait)->excludes(file);
    cmd.add_option("--platform", options.platform, "platform of the --file image: photon (default), p1, electron");
    // A bench sets these once in the environment; an option on the command line wins (CLI11 reads the
    // variable only when the option is absent).
    cmd.add_option("--device", options.device,
                   "select the unit with this device ID (24 hex digits); the environment default is ignored with "
                   "--file or --path")
        ->envname(kDeviceEnv);
    cmd.add_option("--path", options.path, "select the unit at this USB path, BUS-PORT[.PORT...] (e.g. 1-1.4)");
    if (with_backup_dir)
        cmd.add_option("--backup-dir", options.backup_dir, "where backups of a unit's DCT go (default: .)")
            ->envname(kBackupDirEnv);
    add_enter_dfu_flags(cmd, options.enter, true);
}

namespace {
// True when --device holds the environment's value rather than one typed on the command line.
bool device_from_environment(const TargetOptions& o) {
    const char* env = std::getenv(kDeviceEnv);
    return env != nullptr && o.device == env;
}
} // namespace

void add_write_flags(CLI::App& cmd, WriteFlags& flags, const std::string& dry_run_help) {
    cmd.add_flag("--dry-run", flags.dry_run, dry_run_help);
    cmd.add_flag("--leave", flags.leave, "after a verified write, reset the unit into its firmware");
}

ops::WriteOptions write_options(const WriteFlags& flags, Invocation& invocation) {
    ops::WriteOptions w;
    w.dry_run = flags.dry_run;
    w.leave = flags.leave;
    w.progress = invocation.progress_sink();
    w.verified = [&invocation](const std::filesystem::path& backup) { invocation.verified_write_backup = backup; };
    return w;
}

void add_protocol_option(CLI::App& cmd, std::string& protocol, const std::string& help) {
    cmd.add_option("--protocol", protocol, help)->check(CLI::IsMember({"tcp", "udp"}));
}

std::optional<ops::UserValue> option_value(const std::string& text, std::string option) {
    if (text.empty()) return std::nullopt;
    return ops::UserValue{text, std::move(option)};
}

std::optional<dct::Slot> slot_choice(const std::string& protocol, std::string_view source) {
    if (protocol.empty()) return std::nullopt;
    return dct::parse_slot(protocol, source);
}

ops::Target make_target(const TargetOptions& o, Invocation& invocation) {
    ops::TargetRequest r;
    if (!o.file.empty()) r.file = o.file;
    if (!o.platform.empty()) r.platform = o.platform;
    // An explicit --file or --path overrides a device ID that only came from PHOTON_DCT_DEVICE.
    const bool ignore_device = (!o.file.empty() || !o.path.empty()) && device_from_environment(o);
    if (!o.device.empty() && !ignore_device) r.selector.device_id = o.device;
    if (!o.path.empty()) r.selector.path = o.path;
    r.backup_dir = o.backup_dir;
    r.enter_dfu = enter_dfu_options(o.enter, invocation);
    r.wait = wait_options(o.wait, invocation);
    r.on_mode_change = [&invocation](const ops::ModeChange& change) { invocation.record_mode_change(change); };
    r.on_acquired = [&invocation](const ops::UnitInfo& unit) { invocation.unit = unit_json(unit); };
    r.observer = invocation.step_observer();
    if (invocation.trace_usb)
        r.session.trace = [](std::string_view line) { fmt::print(stderr, "usb: {}\n", escape_text(line)); };
    return ops::Target(std::move(r), invocation.progress_sink());
}

} // namespace photon_dct::cli
