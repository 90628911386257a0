// End-to-end test support: run the real photon-dct / photon-dct-emu / dfu-util binaries as child
// processes, capture stdout, stderr and the exit status, and read what the emulator leaves behind
// (dumped DCT images and the JSON-lines transcript).
//
// Paths come from compile definitions set in tests/e2e/CMakeLists.txt:
//   PHOTON_DCT_BIN, PHOTON_DCT_EMU_BIN, DFU_UTIL_BIN, E2E_DATA_DIR
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

extern char** environ;

namespace e2e {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using nlohmann::json;

inline const std::string kPhotonDct = PHOTON_DCT_BIN;
inline const std::string kEmu = PHOTON_DCT_EMU_BIN;
inline const std::string kDfuUtil = DFU_UTIL_BIN;
inline const fs::path kData = E2E_DATA_DIR;

inline const std::string kSerial = "3a0036000247363333343435"; // the emulator's default serial
// The emulator derives unit i's serial from the first by adding i to its last 4 hex digits.
inline const std::vector<std::string> kUnitSerials{kSerial, "3a0036000247363333343436", "3a0036000247363333343437"};

inline const fs::path kFieldFailure = kData / "field-failure-photon-0.6.3.dct";
inline const fs::path kServerPem = kData / "private-cloud-server.pub.pem";

// ---------------------------------------------------------------------------------------------
// Files

inline Bytes read_file(const fs::path& p) { return test_support::read_bytes(p); }
using test_support::read_text;
inline void write_file(const fs::path& p, const Bytes& bytes) { test_support::write_bytes(p, bytes); }

inline unsigned file_mode(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0xFFFFFFFFu;
    return st.st_mode & 07777;
}

// Regular files directly in `dir`, sorted.
inline std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

inline Bytes slice(const Bytes& b, std::size_t offset, std::size_t length) {
    if (offset + length > b.size()) throw std::out_of_range("slice past the end");
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(offset),
                 b.begin() + static_cast<std::ptrdiff_t>(offset + length));
}

// Offsets where a and b differ (sizes must match).
inline std::vector<std::size_t> diff_offsets(const Bytes& a, const Bytes& b) {
    std::vector<std::size_t> out;
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i)
        if (a[i] != b[i]) out.push_back(i);
    for (std::size_t i = n; i < std::max(a.size(), b.size()); ++i) out.push_back(i);
    return out;
}

struct Range {
    std::size_t first, last; // inclusive
};

// The first offset where a and b differ outside all `allowed` ranges, or nullopt.
inline std::optional<std::size_t> diff_outside(const Bytes& a, const Bytes& b, const std::vector<Range>& allowed) {
    for (auto i : diff_offsets(a, b)) {
        bool ok = false;
        for (const auto& r : allowed)
            if (i >= r.first && i <= r.last) ok = true;
        if (!ok) return i;
    }
    return std::nullopt;
}

inline std::string hex(const Bytes& b);

// Image equality with a readable failure message (first differing offset, sizes).
inline ::testing::AssertionResult same_image(const Bytes& actual, const Bytes& expected) {
    if (actual == expected) return ::testing::AssertionSuccess();
    auto r = ::testing::AssertionFailure();
    r << "images differ: sizes " << actual.size() << " and " << expected.size();
    const auto d = diff_offsets(actual, expected);
    if (!d.empty()) r << ", " << d.size() << " bytes differ, first at offset " << d.front() << ", last at " << d.back();
    return r;
}

inline std::string hex(const Bytes& b) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (auto c : b) {
        s += digits[c >> 4];
        s += digits[c & 15];
    }
    return s;
}

// The original image as the emulator holds it: padded with 0xFF to 16384 bytes.
inline Bytes window(const Bytes& image) {
    Bytes w = image;
    w.resize(16384, 0xFF);
    return w;
}

// ---------------------------------------------------------------------------------------------
// PEM / DER, written here from the formats (not via the product's key code)

using test_support::base64_decode;
using test_support::pem_to_der; // DER body of the first PEM block (any label)

// Total length of the DER SEQUENCE at the start of `der` (short or long form).
inline std::size_t der_length(const Bytes& der, std::size_t at = 0) {
    if (der.size() < at + 2 || der[at] != 0x30) throw std::runtime_error("not a DER SEQUENCE");
    const std::uint8_t l = der[at + 1];
    if (l < 0x80) return 2 + l;
    const std::size_t n = l & 0x7F;
    std::size_t len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | der[at + 2 + i];
    return 2 + n + len;
}

// particle-cli `keys server KEY.der --host HOST [--port PORT]` (docs/dct-format.md §6.5, §9.1/9.2/9.4):
// key DER at 0, 0xFF to the end, address TLV at address_offset, port big-endian at +66.
inline Bytes particle_cli_server_block(const Bytes& key_der, const std::string& host, std::optional<unsigned> port,
                                       std::size_t block_size, std::size_t address_offset) {
    Bytes b(block_size, 0xFF);
    std::copy(key_der.begin(), key_der.end(), b.begin());
    const bool ip = host.find_first_not_of("0123456789.") == std::string::npos;
    std::size_t at = address_offset;
    if (ip) {
        b[at++] = 0x00;
        b[at++] = 0x04;
        std::stringstream ss(host);
        std::string part;
        while (std::getline(ss, part, '.')) b[at++] = static_cast<std::uint8_t>(std::stoi(part));
    } else {
        b[at++] = 0x01;
        b[at++] = static_cast<std::uint8_t>(host.size());
        for (char c : host) b[at++] = static_cast<std::uint8_t>(c);
    }
    if (port) {
        b[address_offset + 66] = static_cast<std::uint8_t>(*port >> 8);
        b[address_offset + 67] = static_cast<std::uint8_t>(*port & 0xFF);
    }
    return b;
}

inline Bytes tcp_server_block(const Bytes& key_der, const std::string& host, std::optional<unsigned> port) {
    return particle_cli_server_block(key_der, host, port, 512, 384);
}

inline Bytes image_with(const Bytes& image, std::size_t offset, const Bytes& block) {
    Bytes out = image;
    std::copy(block.begin(), block.end(), out.begin() + static_cast<std::ptrdiff_t>(offset));
    return out;
}

// The private-cloud server key of the sample data, as DER (294 bytes).
inline Bytes server_key_der() { return pem_to_der(read_text(kServerPem)); }

// ---------------------------------------------------------------------------------------------
// Processes

struct RunResult {
    int exit_code = -1; // exit status, 128+signal if killed
    std::string out, err;
    std::string describe() const {
        return "exit " + std::to_string(exit_code) + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
};

// A fresh directory under $TMPDIR, removed at the end of its scope.
using test_support::TempDir;

// Runs argv (PATH lookup) in `cwd` with stdout/stderr captured to files in `scratch`.
// env_unset: variables removed from the child's environment; env_set: added ("NAME=value").
inline RunResult run(const std::vector<std::string>& argv, const fs::path& scratch, const fs::path& cwd = {},
                     const std::vector<std::string>& env_unset = {}, const std::vector<std::string>& env_set = {}) {
    static int counter = 0;
    const auto tag = std::to_string(::getpid()) + "." + std::to_string(++counter);
    const fs::path out_path = scratch / (".out." + tag), err_path = scratch / (".err." + tag);

    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string kv = *e;
        bool drop = false;
        for (const auto& name : env_unset)
            if (kv.compare(0, name.size() + 1, name + "=") == 0) drop = true;
        if (!drop) env_store.push_back(kv);
    }
    for (const auto& kv : env_set) env_store.push_back(kv);
    std::vector<char*> envp;
    for (auto& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args_store = argv;
    std::vector<char*> args;
    for (auto& s : args_store) args.push_back(s.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    RunResult r;
    if (rc != 0) {
        r.err = std::string("spawn failed: ") + std::strerror(rc);
        return r;
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (WIFEXITED(status))
        r.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.exit_code = 128 + WTERMSIG(status);
    std::error_code ec;
    r.out = read_text(out_path);
    r.err = read_text(err_path);
    fs::remove(out_path, ec);
    fs::remove(err_path, ec);
    return r;
}

// Starts `argv` (the emulator runner and the command under it) in the background in `work`,
// sends `signal` to the runner once the command's stderr shows `marker` (60 s at most), and waits;
// the runner forwards the signal to the command.
inline RunResult run_and_signal(std::vector<std::string> argv, const fs::path& work, int signal,
                                const std::string& marker) {
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    const fs::path out = work / "out", err = work / "err";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addchdir_np(&fa, work.c_str());
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    RunResult r;
    if (rc != 0) {
        r.err = std::string("spawn failed: ") + std::strerror(rc);
        return r;
    }
    for (int i = 0; i < 6000 && read_text(err).find(marker) == std::string::npos; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::kill(pid, signal);
    int status = 0;
    pid_t done = 0;
    for (int i = 0; i < 3000 && done == 0; ++i) { // a command that ignores the signal fails here after 30 s
        done = ::waitpid(pid, &status, WNOHANG);
        if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (done == 0) {
        ::kill(pid, SIGKILL);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        r.err = "still running 30 s after the signal; killed\n";
        return r;
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

using test_support::shell_quote;

inline std::string shell_join(const std::vector<std::string>& argv) {
    std::string s;
    for (const auto& a : argv) s += (s.empty() ? "" : " ") + shell_quote(a);
    return s;
}

// photon-dct argv with the given arguments.
inline std::vector<std::string> dct(std::vector<std::string> args) {
    args.insert(args.begin(), kPhotonDct);
    return args;
}

// photon-dct argv of the field failure's repair (the test server key, cloud.example.com:5683), backups
// into `backups`, then `extra` (e.g. a unit selector).
inline std::vector<std::string> repair_args(const fs::path& backups, const std::vector<std::string>& extra = {}) {
    auto args = dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port", "5683",
                     "--backup-dir", backups.string()});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
}

// Parses the exactly-one JSON document a --json run prints.
inline json parse_one_json(const std::string& out) {
    return json::parse(out); // throws on trailing garbage / a second document
}

// A provisioning profile `file` in `dir` for the private cloud of tests/data: its server key copied
// next to it, device-keys/ and backups/ made; `missing` is [device_key] missing, `server_extra`
// more [server] lines.
inline fs::path write_profile(const test_support::TempDir& dir, const std::string& file, const std::string& missing,
                              const std::string& server_extra = "") {
    write_file(dir / "server.pub.pem", read_file(kServerPem));
    dir.dir("device-keys");
    dir.dir("backups");
    test_support::write_text(dir / file, "name = \"e2e\"\n[server]\nkey = \"server.pub.pem\"\n"
                                         "host = \"cloud.example.com\"\nport = 5683\n" +
                                             server_extra + "[device_key]\nmissing = \"" + missing +
                                             "\"\npublic_keys = \"device-keys\"\n[files]\nbackups = \"backups\"\n"
                                             "audit = \"audit.jsonl\"\n");
    return dir / file;
}

// ---------------------------------------------------------------------------------------------
// The emulator runner

struct EmuOptions {
    std::string platform = "photon";
    std::optional<std::string> serial;
    unsigned devices = 1;
    std::optional<fs::path> dct; // image loaded into every device
    std::vector<std::string> faults;
    std::optional<unsigned> poll_ms = 1u; // keep data writes fast
    bool normal_mode = false, gen3 = false, unreadable = false;
    // Run under script(1) (bsdutils): stdout and stderr of the command are one pseudo-terminal,
    // whose output is EmuRun::r.out.
    bool on_terminal = false;
    // A unit in normal mode (docs/enter-dfu.md): its Device OS and how it comes back in DFU mode.
    std::optional<std::string> device_os;
    std::optional<unsigned> reenumerate_ms = 100u; // keep runs short
    bool old_bootloader = false, never_reenumerate = false, no_usb_serial = false;
    // A hostile device: USB strings given with C escapes (photon-dct-emu --serial-string ...).
    std::optional<std::string> serial_string, product_string;
    std::vector<std::string> alt_names; // "N=NAME"
    unsigned arrive_after_ms = 0;       // the unit is plugged in this much after the command started
    // A bench (issue 10): per-unit platforms and images (--platform / --dct repeated: the i-th for
    // unit i, the last for the rest; they replace `platform` / `dct`), faults of one unit ("I=SPEC"),
    // units arriving over time and unplugged after they left DFU mode.
    std::vector<std::string> unit_platforms;
    std::vector<fs::path> unit_dcts;
    std::vector<std::string> unit_faults;
    std::optional<unsigned> arrive_every_ms, unplug_after_leave_ms;
};

struct EmuRun {
    RunResult r;
    std::vector<Bytes> dumps; // one per device
    std::vector<json> transcript;
    const Bytes& dump() const { return dumps.at(0); }
};

// Runs `command` under photon-dct-emu; dump and transcript go to `work`, the child runs in `work`.
inline EmuRun emu_run(const EmuOptions& o, const std::vector<std::string>& command, const fs::path& work) {
    static int counter = 0;
    const auto tag = std::to_string(++counter);
    const fs::path dump = work / (".dump." + tag), transcript = work / (".transcript." + tag);
    std::vector<std::string> argv{kEmu,          "--devices",    std::to_string(o.devices), "--dump",
                                  dump.string(), "--transcript", transcript.string()};
    for (const auto& p : o.unit_platforms.empty() ? std::vector<std::string>{o.platform} : o.unit_platforms)
        argv.insert(argv.end(), {"--platform", p});
    for (const auto& d : o.unit_dcts) argv.insert(argv.end(), {"--dct", d.string()});
    for (const auto& f : o.unit_faults) argv.insert(argv.end(), {"--unit-fault", f});
    if (o.arrive_every_ms) argv.insert(argv.end(), {"--arrive-every", std::to_string(*o.arrive_every_ms)});
    if (o.unplug_after_leave_ms)
        argv.insert(argv.end(), {"--unplug-after-leave", std::to_string(*o.unplug_after_leave_ms)});
    if (o.serial) argv.insert(argv.end(), {"--serial", *o.serial});
    if (o.serial_string) argv.insert(argv.end(), {"--serial-string", *o.serial_string});
    if (o.product_string) argv.insert(argv.end(), {"--product-string", *o.product_string});
    for (const auto& a : o.alt_names) argv.insert(argv.end(), {"--alt-name", a});
    if (o.dct) argv.insert(argv.end(), {"--dct", o.dct->string()});
    for (const auto& f : o.faults) argv.insert(argv.end(), {"--fault", f});
    if (o.poll_ms) argv.insert(argv.end(), {"--poll-ms", std::to_string(*o.poll_ms)});
    if (o.normal_mode) argv.push_back("--normal-mode");
    if (o.gen3) argv.push_back("--gen3-dct-string");
    if (o.unreadable) argv.push_back("--unreadable-dct");
    if (o.device_os) argv.insert(argv.end(), {"--device-os", *o.device_os});
    if (o.reenumerate_ms) argv.insert(argv.end(), {"--reenumerate-ms", std::to_string(*o.reenumerate_ms)});
    if (o.old_bootloader) argv.push_back("--old-bootloader");
    if (o.never_reenumerate) argv.push_back("--never-reenumerate");
    if (o.no_usb_serial) argv.push_back("--no-usb-serial");
    if (o.arrive_after_ms) argv.insert(argv.end(), {"--arrive-after", std::to_string(o.arrive_after_ms)});
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());

    if (o.on_terminal) {
        std::string line;
        for (const auto& a : argv) {
            std::string quoted = "'";
            for (char c : a) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
            line += (line.empty() ? "" : " ") + quoted + "'";
        }
        argv = {"script", "-qec", line, "/dev/null"};
    }
    EmuRun e;
    e.r = run(argv, work, work);
    std::error_code ec;
    if (o.devices == 1) {
        if (fs::exists(dump)) e.dumps.push_back(read_file(dump));
        fs::remove(dump, ec);
    } else {
        for (unsigned i = 0; i < o.devices; ++i) {
            const fs::path p = dump.string() + "." + std::to_string(i);
            if (fs::exists(p)) e.dumps.push_back(read_file(p));
            fs::remove(p, ec);
        }
    }
    if (fs::exists(transcript)) {
        std::ifstream f(transcript);
        std::string line;
        while (std::getline(f, line))
            if (!line.empty()) e.transcript.push_back(json::parse(line));
        fs::remove(transcript, ec);
    }
    return e;
}

// Runs a shell script (several commands in one emulator session).
inline EmuRun emu_shell(const EmuOptions& o, const std::string& script, const fs::path& work) {
    return emu_run(o, {"bash", "-c", script}, work);
}

// ---------------------------------------------------------------------------------------------
// Transcript counters (device -1 = all devices)

inline bool on_device(const json& e, int device) { return device < 0 || e.value("device", -1) == device; }

// DNLOAD (request 1, OUT) with wValue >= 2 and a payload: a data write.
inline bool is_data_download(const json& e) {
    return e.value("request", -1) == 1 && e.value("request_type", 0) == 0x21 && e.value("value", 0) >= 2 &&
           e.value("length", 0) > 0;
}
// DNLOAD block 0 starting with 0x41: an erase command.
inline bool is_erase(const json& e) {
    return e.value("request", -1) == 1 && e.value("request_type", 0) == 0x21 && e.value("value", -1) == 0 &&
           e.value("data", std::string()).rfind("41", 0) == 0;
}

inline std::size_t count_if(const std::vector<json>& t, bool (*pred)(const json&), int device = -1) {
    std::size_t n = 0;
    for (const auto& e : t)
        if (on_device(e, device) && pred(e)) ++n;
    return n;
}
inline std::size_t data_downloads(const std::vector<json>& t, int device = -1) {
    return count_if(t, is_data_download, device);
}
inline std::size_t erases(const std::vector<json>& t, int device = -1) { return count_if(t, is_erase, device); }

inline std::string transcript_text(const std::vector<json>& t) {
    std::string s;
    for (const auto& e : t)
        s += std::to_string(e.value("device", -1)) + " #" + std::to_string(e.value("seq", 0)) + " " +
             e.value("name", std::string()) + " v=" + std::to_string(e.value("value", 0)) +
             " len=" + std::to_string(e.value("length", 0)) + " " + e.value("state_before", std::string()) + "->" +
             e.value("state_after", std::string()) + " " + e.value("result", std::string()) +
             (e.value("fault", std::string()).empty() ? "" : " FAULT " + e.value("fault", std::string())) + "\n";
    return s;
}

} // namespace e2e
