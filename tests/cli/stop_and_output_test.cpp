// Issue 8: output write errors (stdout on /dev/full) are a non-zero exit with a message on stderr,
// and 13 (failed-after-write) after a verified write; SIGINT/SIGTERM stop the run at a safe point
// with 130/143, a message saying what was written, and one JSON document under --json.
#include <gtest/gtest.h>

#include <csignal>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
using nlohmann::json;

// Runs photon-dct with stdout to `out_path` (e.g. /dev/full), stderr captured. With `signal`, the
// child blocks SIGINT/SIGTERM, sends `signal` to itself (so it is pending) and only then execs
// photon-dct, which sees it as soon as it unblocks them at start-up, i.e. before any work. Sending
// it from the parent after the spawn raced with a child that finished first on a loaded machine.
Result run_to(const std::vector<std::string>& args, const fs::path& out_path, const fs::path& err_path,
              int signal = 0) {
    std::vector<std::string> argv_store{kBin.string()};
    argv_store.insert(argv_store.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_store) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = out_path.string();
    const std::string err = err_path.string();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) { // only async-signal-safe calls from here to exec
        const int in_fd = ::open("/dev/null", O_RDONLY);
        const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (in_fd < 0 || out_fd < 0 || err_fd < 0 || ::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 ||
            ::dup2(err_fd, 2) < 0)
            ::_exit(126);
        sigset_t blocked;
        sigemptyset(&blocked);
        if (signal != 0) {
            sigaddset(&blocked, SIGINT);
            sigaddset(&blocked, SIGTERM);
        }
        ::sigprocmask(SIG_SETMASK, &blocked, nullptr);
        if (signal != 0) ::kill(::getpid(), signal); // pending: blocked, and kept across exec
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    int wstatus = 0;
    while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {}
    Result r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    if (out_path != "/dev/full") r.out = test_support::read_text(out_path);
    r.err = test_support::read_text(err_path);
    return r;
}

std::vector<std::string> restore_server(const fs::path& image) {
    return {"restore-server", "--file", image.string(), "--pem", kServerPub.string(), "--host", "cloud.example.com"};
}

TEST(OutputErrors, FullStdoutIsAnErrorNotSuccess) {
    TempDir dir;
    fs::copy_file(kFieldFailure, dir.path() / "u.dct");
    for (const bool as_json : {false, true}) {
        std::vector<std::string> args{"inspect", "--file", (dir.path() / "u.dct").string()};
        if (as_json) args.insert(args.begin(), "--json");
        const auto r = run_to(args, "/dev/full", dir.path() / "err");
        EXPECT_EQ(r.status, 8) << r.err;
        EXPECT_TRUE(contains(r.err, "cannot write the output to standard output")) << r.err;
        const auto help = run_to({"--help"}, "/dev/full", dir.path() / "err");
        EXPECT_EQ(help.status, 8) << help.err;
    }
}

TEST(OutputErrors, FullStdoutAfterAVerifiedWriteSaysTheWriteSucceeded) {
    TempDir dir;
    for (const bool as_json : {false, true}) {
        const auto image = dir.path() / (as_json ? "j.dct" : "t.dct");
        fs::copy_file(kFieldFailure, image);
        auto args = restore_server(image);
        if (as_json) args.insert(args.begin(), "--json");
        const auto r = run_to(args, "/dev/full", dir.path() / "err");
        EXPECT_EQ(r.status, 13) << r.err;
        EXPECT_TRUE(contains(r.err, "the write succeeded and was verified")) << r.err;
        EXPECT_TRUE(contains(r.err, image.filename().string() + ".backup-")) << r.err; // names the backup
        EXPECT_NE(read_bytes(image), read_bytes(kFieldFailure));                       // the write is there
    }
}

TEST(StopSignals, SignalBeforeTheWriteWritesNothing) {
    TempDir dir;
    const auto image = dir.path() / "u.dct";
    fs::copy_file(kFieldFailure, image);
    const auto t = run_to(restore_server(image), dir.path() / "out", dir.path() / "err", SIGTERM);
    EXPECT_EQ(t.status, 143) << t.err;
    EXPECT_TRUE(contains(t.err, "terminated by SIGTERM")) << t.err;
    EXPECT_TRUE(contains(t.err, "nothing was written")) << t.err;
    auto args = restore_server(image);
    args.insert(args.begin(), "--json");
    const auto j = run_to(args, dir.path() / "out", dir.path() / "err", SIGINT);
    EXPECT_EQ(j.status, 130) << j.err;
    const auto doc = json::parse(j.out); // exactly one document
    EXPECT_EQ(doc["exit_code"], 130);
    EXPECT_EQ(doc["error"]["kind"], "interrupted");
    EXPECT_EQ(doc["error"]["write_verified"], false);
    EXPECT_EQ(read_bytes(image), read_bytes(kFieldFailure));
    EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"u.dct", "out", "err"})); // no backup either
}

TEST(StopSignals, SignalDuringAReadOnlyCommand) {
    TempDir dir;
    fs::copy_file(kFieldFailure, dir.path() / "u.dct");
    const auto j = run_to({"--json", "inspect", "--file", (dir.path() / "u.dct").string()}, dir.path() / "out",
                          dir.path() / "err", SIGINT);
    EXPECT_EQ(j.status, 130) << j.err;
    EXPECT_EQ(json::parse(j.out)["error"]["kind"], "interrupted");
    const auto t =
        run_to({"inspect", "--file", (dir.path() / "u.dct").string()}, dir.path() / "out", dir.path() / "err", SIGINT);
    EXPECT_EQ(t.status, 130) << t.err;
    EXPECT_TRUE(contains(t.err, "interrupted by SIGINT")) << t.err;
}

} // namespace
