// Helpers for the emulator tests: temp dirs, files, running commands.
#pragma once

#include "photon_emu.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace emu_test {

namespace fs = std::filesystem;

struct RunResult {
    int exit_code = -1; // exit status, or 128+signal
    std::string output; // stdout and stderr combined
};

inline std::string quote(const std::string& s) { return test_support::shell_quote(s); }

// Runs a shell command line, capturing stdout+stderr.
inline RunResult run(const std::string& cmdline) {
    RunResult r;
    FILE* p = ::popen(("exec 2>&1; " + cmdline).c_str(), "r");
    if (p == nullptr) return r;
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
    const int status = ::pclose(p);
    if (WIFEXITED(status))
        r.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        r.exit_code = 128 + WTERMSIG(status);
    return r;
}

// Runs dfu-util (the real Debian binary) as a child of this process against the in-process
// emulator: the child gets umockdev's preload; UMOCKDEV_DIR was set by the Emulator.
inline RunResult dfu_util(const std::string& args) {
    return run("env LD_PRELOAD=libumockdev-preload.so.0 " + quote(DFU_UTIL_BIN) + " " + args);
}

inline std::vector<std::uint8_t> read_file(const fs::path& p) { return test_support::read_bytes(p); }
inline void write_file(const fs::path& p, const std::vector<std::uint8_t>& bytes) {
    test_support::write_bytes(p, bytes);
}

inline std::vector<std::uint8_t> random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng() & 0xff);
    return v;
}

// A fresh directory per test (under $TMPDIR), removed afterwards.
using test_support::TempDir;

inline std::size_t count_commands(const std::vector<photon_emu::TranscriptEntry>& t, std::uint8_t cmd) {
    std::size_t n = 0;
    for (const auto& e : t)
        if (e.request == 1 && e.request_type == 0x21 && e.value == 0 && !e.data.empty() && e.data[0] == cmd) ++n;
    return n;
}

inline std::size_t count_requests(const std::vector<photon_emu::TranscriptEntry>& t, const std::string& name) {
    std::size_t n = 0;
    for (const auto& e : t)
        if (e.name == name) ++n;
    return n;
}

} // namespace emu_test
