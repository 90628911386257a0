// photon-dct-emu: run a command against emulated Particle units, in DFU mode or running their firmware.
//
//   photon-dct-emu [options] -- COMMAND [ARGS...]
//
// Creates a umockdev testbed with N emulated devices, runs COMMAND with
// LD_PRELOAD=libumockdev-preload.so.0 and UMOCKDEV_DIR, forwards its stdout/stderr untouched,
// then dumps the final DCT(s) and the request transcript, and exits with COMMAND's status
// (128+signal if it was killed). Usage errors of the runner itself exit with 125.
//
// The runner links umockdev's preload library (umockdev's testbed API needs the redirected /sys
// view in the process that owns the testbed), so it never re-executes itself under a wrapper and
// cannot recurse (docs/dfu-protocol.md §9 item 1); an LD_PRELOAD entry for the same library
// inherited from a caller is harmless (the library is loaded once) and is replaced in the child's environment.
#include "photon_emu.hpp"

#include <CLI/CLI.hpp>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace {

constexpr int kUsageError = 125;
constexpr const char* kPreload = "libumockdev-preload.so.0";

volatile sig_atomic_t g_child = 0;

void forward_signal(int sig) {
    if (g_child > 0) kill(static_cast<pid_t>(g_child), sig);
}

// LD_PRELOAD without umockdev's preload entries (':' or ' ' separated).
std::string strip_umockdev_preload(const std::string& value, bool& had) {
    std::string out;
    std::size_t i = 0;
    had = false;
    while (i <= value.size()) {
        std::size_t j = value.find_first_of(": ", i);
        if (j == std::string::npos) j = value.size();
        const std::string item = value.substr(i, j - i);
        if (!item.empty()) {
            if (item.find("libumockdev-preload") != std::string::npos) {
                had = true;
            } else {
                if (!out.empty()) out += ':';
                out += item;
            }
        }
        i = j + 1;
    }
    return out;
}

bool is_hex(const std::string& s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// Serial of device i: the last hex digits changed so that every device differs (except for the
// pre-0.6.0 constant serial, which every unit reports).
std::string derive_serial(const std::string& base, std::size_t i) {
    if (i == 0 || base == "00000000010C" || base.size() < 4) return base;
    bool upper = false;
    for (char c : base)
        if (std::isupper(static_cast<unsigned char>(c))) upper = true;
    const std::size_t n = base.size();
    const unsigned long tail = std::strtoul(base.substr(n - 4).c_str(), nullptr, 16);
    char buf[8];
    std::snprintf(buf, sizeof buf, upper ? "%04lX" : "%04lx", (tail + i) & 0xFFFFul);
    return base.substr(0, n - 4) + buf;
}

[[noreturn]] void usage_error(const std::string& msg) {
    std::cerr << "photon-dct-emu: " << msg << "\n"
              << "usage: photon-dct-emu [options] -- COMMAND [ARGS...]  (see --help)\n";
    std::exit(kUsageError);
}

// The bytes a hostile-string option stands for: C escapes \xNN, \r, \n, \t and \\; everything
// else as typed. NUL is refused (sysfs attributes and C strings end there).
std::string unescape_c(const std::string& option, const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out.push_back(text[i]);
            continue;
        }
        const char e = i + 1 < text.size() ? text[++i] : '\0';
        if (e == 'x' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
            const auto b = static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
            if (b == '\0') usage_error(option + ": \\x00 is not allowed");
            out.push_back(b);
            i += 2;
        } else if (e == 'r' || e == 'n' || e == 't' || e == '\\') {
            out.push_back(e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : '\\');
        } else {
            usage_error(option + ": unknown escape in '" + text + "' (use \\xNN, \\r, \\n, \\t or \\\\)");
        }
    }
    return out;
}

} // namespace

int main(int argc, char** argv) {
    // Split at the first "--": options before, the command after.
    std::vector<std::string> own;
    std::vector<std::string> command;
    bool seen_sep = false;
    for (int i = 1; i < argc; ++i) {
        if (!seen_sep && std::strcmp(argv[i], "--") == 0) {
            seen_sep = true;
            continue;
        }
        (seen_sep ? command : own).emplace_back(argv[i]);
    }

    CLI::App app{"Run COMMAND against emulated Particle Photon/P1/Electron bootloaders (umockdev).", "photon-dct-emu"};
    app.footer(
        "\nUsage: photon-dct-emu [options] -- COMMAND [ARGS...]\n"
        "Fault SPEC: KIND:REQUEST[:N][,KIND:REQUEST[:N]...]; KIND = Stall|Error|Timeout|ShortRead|Disconnect|\n"
        "DisconnectAfter|Reset; REQUEST = DnloadData|DnloadCommand|SetAddress|Erase|Upload|GetStatus|ClrStatus|\n"
        "Abort|Leave|Any; N = the nth matching request (default 1). --fault applies to every device,\n"
        "--unit-fault I=SPEC to unit I only (0-based), e.g. 3=Disconnect:Upload:2 (unplugged mid-read).\n"
        "Exit status: COMMAND's status, 128+signal if it was killed, 125 for usage errors, 126/127 if\n"
        "COMMAND cannot be run. PHOTON_EMU_TRACE=1 logs every control request to stderr.");
    std::vector<std::string> platforms{"photon"};
    std::string serial = "3a0036000247363333343435";
    unsigned devices = 1;
    std::vector<std::string> dct_paths;
    std::string dump_path, transcript_path;
    std::vector<std::string> fault_specs, unit_fault_specs;
    bool normal_mode = false, gen3 = false, unreadable = false;
    std::optional<unsigned> poll_ms;
    std::string device_os = "0.6.3";
    unsigned reenumerate_ms = 700;
    bool old_bootloader = false, never_reenumerate = false, no_usb_serial = false;
    unsigned arrive_every_ms = 0, arrive_after_ms = 0;
    std::optional<unsigned> unplug_after_leave_ms;
    app.add_option("--platform", platforms,
                   "photon (default), p1 or electron; repeatable: the i-th for unit i, the last for the rest")
        ->check(CLI::IsMember({"photon", "p1", "electron"}, CLI::ignore_case));
    app.add_option("--serial", serial, "USB serial number (hex device ID) of the first device");
    std::string serial_string, product_string;
    std::vector<std::string> alt_name_specs;
    app.add_option("--serial-string", serial_string,
                   "USB serial string of every device, any bytes (C escapes \\xNN \\r \\n \\t \\\\)")
        ->excludes("--serial");
    app.add_option("--product-string", product_string, "USB product string of every device, any bytes (C escapes)");
    app.add_option("--alt-name", alt_name_specs, "N=S: name S (C escapes) for alt setting N (repeatable)");
    app.add_option("--devices", devices, "number of emulated devices (1..16)")->check(CLI::Range(1u, 16u));
    app.add_option("--dct", dct_paths,
                   "DCT image (<= 16384 bytes, padded with 0xFF); repeatable: the i-th image for unit i, the last "
                   "for the rest");
    app.add_option("--dump", dump_path, "write the final DCT to OUT (OUT.0, OUT.1, ... for several devices)");
    app.add_option("--transcript", transcript_path, "write the control-request transcript as JSON lines");
    app.add_option("--fault", fault_specs, "inject faults (repeatable), see below");
    app.add_option("--unit-fault", unit_fault_specs, "I=SPEC: inject faults into unit I only (repeatable)");
    app.add_flag(
        "--normal-mode", normal_mode,
        "devices run their firmware (CDC + vendor interface, PID c006/c008/c00a, serial = --serial in upper case)");
    app.add_option("--device-os", device_os,
                   "Device OS the normal-mode units run (default 0.6.3): decides which requests enter DFU mode");
    app.add_option("--reenumerate-ms", reenumerate_ms,
                   "after the reset, the unit enumerates in DFU mode this much later (default 700)")
        ->check(CLI::Range(0u, 600000u));
    app.add_flag("--old-bootloader", old_bootloader,
                 "the DFU-mode unit reports serial 00000000010C and bcdDevice 0x0200 (bootloader before v8)");
    app.add_flag("--never-reenumerate", never_reenumerate, "a unit that resets into DFU mode never comes back");
    app.add_option("--arrive-after", arrive_after_ms, "the first unit is plugged in MS ms after the start (--wait)")
        ->check(CLI::Range(0u, 3600000u));
    app.add_option("--arrive-every", arrive_every_ms, "unit i is plugged in i*MS ms after the start (a bench)")
        ->check(CLI::Range(0u, 3600000u));
    app.add_option("--unplug-after-leave", unplug_after_leave_ms,
                   "a unit that left DFU mode runs its firmware and is unplugged MS ms later (a bench)")
        ->check(CLI::Range(0u, 3600000u));
    app.add_flag("--no-usb-serial", no_usb_serial,
                 "the application removed USB serial: no CDC interfaces, only the vendor interface");
    app.add_flag("--gen3-dct-string", gen3, "alt 1 named @DCT Flash   /0x00000000/1*016Ke (not erasable)");
    app.add_flag("--unreadable-dct", unreadable,
                 "alt 1 reads zeros and writes stall (0.7.0+ bootloader, old system fw)");
    app.add_option("--poll-ms", poll_ms, "bwPollTimeout after a data write (default 500)")
        ->check(CLI::Range(0u, 60000u));
    try {
        std::vector<std::string> rev(own.rbegin(), own.rend());
        app.parse(rev);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        usage_error(e.what());
    }
    if (!seen_sep || command.empty()) usage_error("missing '-- COMMAND [ARGS...]'");
    for (auto& platform : platforms)
        for (auto& c : platform) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!is_hex(serial) || serial.size() > 126)
        usage_error("--serial must be a non-empty hex string: '" + serial + "'");
    if (!photon_emu::valid_device_os(device_os))
        usage_error("--device-os must be X.Y.Z or X.Y.Z-rc.N (e.g. 0.6.3, 0.8.0-rc.27): '" + device_os + "'");
    std::map<unsigned, std::string> alt_names;
    for (const auto& spec : alt_name_specs) {
        const auto eq = spec.find('=');
        if (eq == 0 || eq == std::string::npos || spec.find_first_not_of("0123456789") != eq)
            usage_error("--alt-name must be N=NAME: '" + spec + "'");
        alt_names[static_cast<unsigned>(std::stoul(spec.substr(0, eq)))] =
            unescape_c("--alt-name", spec.substr(eq + 1));
    }

    std::vector<photon_emu::Fault> faults;
    for (const auto& spec : fault_specs) {
        try {
            const auto f = photon_emu::parse_faults(spec);
            faults.insert(faults.end(), f.begin(), f.end());
        } catch (const std::invalid_argument& e) {
            usage_error(std::string("--fault: ") + e.what());
        }
    }
    // A fault of one unit (a unit unplugged mid-read on a bench: Disconnect makes it vanish from the bus).
    std::map<unsigned, std::vector<photon_emu::Fault>> unit_faults;
    for (const auto& spec : unit_fault_specs) {
        const auto eq = spec.find('=');
        if (eq == 0 || eq == std::string::npos || spec.find_first_not_of("0123456789") != eq)
            usage_error("--unit-fault must be I=SPEC: '" + spec + "'");
        const auto unit = static_cast<unsigned>(std::stoul(spec.substr(0, eq)));
        if (unit >= devices) usage_error("--unit-fault: there is no unit " + std::to_string(unit) + ": '" + spec + "'");
        try {
            const auto f = photon_emu::parse_faults(spec.substr(eq + 1));
            unit_faults[unit].insert(unit_faults[unit].end(), f.begin(), f.end());
        } catch (const std::invalid_argument& e) {
            usage_error(std::string("--unit-fault: ") + e.what());
        }
    }
    std::vector<std::vector<std::uint8_t>> images;
    for (const auto& path : dct_paths) {
        std::ifstream f(path, std::ios::binary);
        if (!f) usage_error("--dct: cannot read '" + path + "'");
        std::vector<std::uint8_t> dct(std::istreambuf_iterator<char>(f), {});
        if (dct.size() > 16384)
            usage_error("--dct: '" + path + "' has " + std::to_string(dct.size()) + " bytes, at most 16384 allowed");
        dct.resize(16384, 0xFF);
        images.push_back(std::move(dct));
    }

    std::vector<photon_emu::DeviceConfig> cfgs;
    for (unsigned i = 0; i < devices; ++i) {
        photon_emu::DeviceConfig c;
        const std::string& platform = platforms[std::min<std::size_t>(i, platforms.size() - 1)];
        c.platform = platform == "p1"         ? photon_emu::Platform::P1
                     : platform == "electron" ? photon_emu::Platform::Electron
                                              : photon_emu::Platform::Photon;
        c.serial = serial_string.empty() ? derive_serial(serial, i) : unescape_c("--serial-string", serial_string);
        if (!product_string.empty()) c.product = unescape_c("--product-string", product_string);
        c.alt_names = alt_names;
        c.dfu_mode = !normal_mode;
        c.device_os = device_os;
        c.reenumerate_ms = reenumerate_ms;
        c.old_bootloader = old_bootloader;
        c.never_reenumerate = never_reenumerate;
        c.usb_serial = !no_usb_serial;
        c.gen3_dct_string = gen3;
        c.unreadable_dct = unreadable;
        if (!images.empty()) c.dct = images[std::min<std::size_t>(i, images.size() - 1)];
        c.arrive_after_ms = arrive_after_ms + i * arrive_every_ms;
        c.unplug_after_leave_ms = unplug_after_leave_ms;
        c.faults = faults;
        if (const auto of_unit = unit_faults.find(i); of_unit != unit_faults.end())
            c.faults.insert(c.faults.end(), of_unit->second.begin(), of_unit->second.end());
        if (poll_ms) c.poll_timeout_ms = *poll_ms;
        cfgs.push_back(std::move(c));
    }

    std::optional<photon_emu::Emulator> emu;
    try {
        emu.emplace(std::move(cfgs));
    } catch (const std::exception& e) {
        std::cerr << "photon-dct-emu: " << e.what() << "\n";
        return kUsageError;
    }

    // Child environment: ours (UMOCKDEV_DIR was set by the testbed) plus the preload first.
    std::vector<std::string> env_store;
    std::string preload = kPreload;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "LD_PRELOAD=", 11) == 0) {
            bool had = false;
            const std::string rest = strip_umockdev_preload(*e + 11, had);
            if (!rest.empty()) preload += ":" + rest;
            continue;
        }
        if (std::strncmp(*e, "UMOCKDEV_DIR=", 13) == 0) continue;
        env_store.emplace_back(*e);
    }
    env_store.push_back("LD_PRELOAD=" + preload);
    env_store.push_back("UMOCKDEV_DIR=" + emu->umockdev_dir());
    std::vector<char*> envp;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (auto& s : command) args.push_back(s.data());
    args.push_back(nullptr);

    struct sigaction sa {};
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);

    std::fflush(stdout);
    std::fflush(stderr);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), envp.data());
    if (rc != 0) {
        std::cerr << "photon-dct-emu: cannot run '" << command[0] << "': " << std::strerror(rc) << "\n";
        return rc == ENOENT ? 127 : 126;
    }
    g_child = pid;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            std::cerr << "photon-dct-emu: waitpid: " << std::strerror(errno) << "\n";
            return kUsageError;
        }
    }
    g_child = 0;
    int exit_code = 0;
    if (WIFEXITED(status))
        exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        exit_code = 128 + WTERMSIG(status);

    bool io_error = false;
    if (!dump_path.empty()) {
        for (std::size_t d = 0; d < emu->device_count(); ++d) {
            const std::string path = emu->device_count() == 1 ? dump_path : dump_path + "." + std::to_string(d);
            const auto bytes = emu->dct(d);
            std::ofstream f(path, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
            if (!f) {
                std::cerr << "photon-dct-emu: cannot write '" << path << "'\n";
                io_error = true;
            }
        }
    }
    if (!transcript_path.empty()) {
        try {
            emu->write_transcript_jsonl(transcript_path);
        } catch (const std::exception& e) {
            std::cerr << "photon-dct-emu: " << e.what() << "\n";
            io_error = true;
        }
    }
    emu.reset();
    if (io_error && exit_code == 0) return kUsageError;
    return exit_code;
}
