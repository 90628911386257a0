// Test support for cli_tests: run the real photon-dct binary as a child process (stdout and
// stderr captured separately), fresh temp dirs, file hashes and directory listings.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "photon_dct/bytes.hpp"
#include "photon_dct/keys/key.hpp"
#include "test_support.hpp"

extern char** environ;

namespace cli_test {

namespace fs = std::filesystem;

inline const fs::path kBin = PHOTON_DCT_BIN;
inline const fs::path kData = PHOTON_DCT_TEST_DATA;
inline const fs::path kFieldFailure = kData / "field-failure-photon-0.6.3.dct";
inline const fs::path kServerPub = kData / "private-cloud-server.pub.pem";
inline const fs::path kDeviceKey = kData / "photon-device-key.pem";
inline const fs::path kProvisioned = kData / "photon-provisioned-backup.dct";
inline const fs::path kErasedDeviceKey = kData / "erased-device-key-photon.dct";

// The TCP server block of a Photon (issue 2 item 2): 512 bytes at 2082.
inline constexpr std::size_t kTcpBlockBegin = 2082;
inline constexpr std::size_t kTcpBlockEnd = 2082 + 512; // exclusive: 2082..2593

struct Result {
    int status = -1; // exit status (128+signal if killed)
    std::string out;
    std::string err;
    long max_rss_kib = 0; // the child's peak resident memory (getrusage of the child)
    double seconds = 0;   // wall time, to report (tests never assert timings)
};

// Runs photon-dct with `args` in `cwd` (empty: inherit). Never goes through a shell.
inline Result run(const std::vector<std::string>& args, const fs::path& cwd = {}) {
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());

    std::vector<std::string> argv_store;
    argv_store.push_back(kBin.string());
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);

    const auto started = std::chrono::steady_clock::now();
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
        ::close(out_pipe[0]);
        ::close(err_pipe[0]);
        throw std::runtime_error(std::string("posix_spawn failed: ") + std::strerror(rc));
    }

    Result r;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&r.out, &r.err};
    int open_fds = 2;
    while (open_fds > 0) {
        if (::poll(fds, 2, 60000) <= 0) {
            if (errno == EINTR) continue;
            ::kill(pid, SIGKILL);
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[4096];
            const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) ::close(f.fd);
    int wstatus = 0;
    rusage usage{};
    while (::wait4(pid, &wstatus, 0, &usage) < 0 && errno == EINTR) {}
    r.max_rss_kib = usage.ru_maxrss;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    return r;
}

// Temp dirs and whole-file helpers: tests/support/test_support.hpp.
using test_support::read_bytes;
using test_support::TempDir;
using test_support::write_bytes;
using test_support::write_text;

inline std::string sha256_file(const fs::path& p) { return photon_dct::keys::sha256_hex(read_bytes(p)); }

// Names of every entry in `dir` (not recursive).
inline std::set<std::string> entries(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
}

inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

inline unsigned file_mode(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw std::runtime_error("stat failed: " + p.string());
    return st.st_mode & 07777;
}

// A profile NAME.toml for verify and provision in `dir`: the private cloud at cloud.example.com,
// device keys kept (missing = "fail"), its audit log NAME.jsonl.
inline fs::path write_profile(const fs::path& dir, const std::string& name = "station") {
    if (!fs::exists(dir / "server.pub.pem")) fs::copy_file(kServerPub, dir / "server.pub.pem");
    fs::create_directories(dir / "keys");
    fs::create_directories(dir / "backups");
    const fs::path profile = dir / (name + ".toml");
    write_text(profile, "name = \"" + name +
                            "\"\n[server]\nkey = \"server.pub.pem\"\nhost = \"cloud.example.com\"\n"
                            "[device_key]\nmissing = \"fail\"\npublic_keys = \"keys\"\n"
                            "[files]\nbackups = \"backups\"\naudit = \"" +
                            name + ".jsonl\"\n");
    return profile;
}

} // namespace cli_test
