// Issue 11: progress on a terminal. While a unit's DCT is read or written ("do not unplug") or a
// unit is awaited in DFU mode, one line on stderr is rewritten in place, but only when stderr is a
// terminal and neither --quiet nor --json is given. The terminal is a pseudo-terminal from
// script(1); the write is made slow with the emulator's bwPollTimeout after a data write.
#include "e2e_support.hpp"

namespace e2e {
namespace {

EmuOptions slow_write(bool on_terminal) {
    EmuOptions o;
    o.dct = kFieldFailure;
    o.poll_ms = 600u; // the bootloader asks the host to wait 600 ms after the data block
    o.on_terminal = on_terminal;
    return o;
}

std::vector<std::string> restore_server(const fs::path& work, std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {"restore-server",    "--pem",        kServerPem.string(), "--host",
                                     "cloud.example.com", "--backup-dir", work.string()};
    args.insert(args.begin(), flags.begin(), flags.end());
    return dct(args);
}

bool has(const std::string& text, std::string_view what) { return text.find(what) != std::string::npos; }

TEST(Progress, SlowWriteOnATerminalSaysDoNotUnplug) {
    TempDir tmp;
    const auto e = emu_run(slow_write(true), restore_server(tmp.path()), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(has(e.r.out, "\rwriting DCT 0/512 bytes - do not unplug")) << e.r.out;
    EXPECT_TRUE(has(e.r.out, "\rwriting DCT 512/512 bytes - do not unplug")) << e.r.out;
    EXPECT_TRUE(has(e.r.out, "\rreading DCT 16384/16384 bytes")) << e.r.out;
    // The line is cleared before the next line starts: no progress text ends a line.
    EXPECT_FALSE(has(e.r.out, "do not unplug\r\n")) << e.r.out;
    EXPECT_FALSE(has(e.r.out, "do not unplug\n")) << e.r.out;
    EXPECT_EQ(data_downloads(e.transcript), 1u);
}

TEST(Progress, NoneWhenStderrIsNotATerminal) {
    TempDir tmp;
    const auto e = emu_run(slow_write(false), restore_server(tmp.path()), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(has(e.r.err, "writing 512 bytes at DCT offset 2082")) << e.r.err; // the step lines stay
    EXPECT_FALSE(has(e.r.err, "do not unplug")) << e.r.err;
    EXPECT_FALSE(has(e.r.err, "reading DCT ")) << e.r.err;
    EXPECT_FALSE(has(e.r.err, "\r")) << e.r.err;
}

TEST(Progress, NoneOnATerminalWithQuietOrJson) {
    TempDir tmp;
    const auto quiet = emu_run(slow_write(true), restore_server(tmp.dir("q"), {"-q"}), tmp.path());
    ASSERT_EQ(quiet.r.exit_code, 0) << quiet.r.describe();
    EXPECT_TRUE(has(quiet.r.out, "Wrote 512 bytes")) << quiet.r.out;
    EXPECT_FALSE(has(quiet.r.out, "do not unplug")) << quiet.r.out;
    EXPECT_FALSE(has(quiet.r.out, "reading DCT ")) << quiet.r.out;

    const auto json_run = emu_run(slow_write(true), restore_server(tmp.dir("j"), {"--json"}), tmp.path());
    ASSERT_EQ(json_run.r.exit_code, 0) << json_run.r.describe();
    EXPECT_TRUE(has(json_run.r.out, "\"written\": true")) << json_run.r.out;
    EXPECT_FALSE(has(json_run.r.out, "do not unplug")) << json_run.r.out;
    EXPECT_FALSE(has(json_run.r.out, "reading DCT ")) << json_run.r.out;
}

TEST(Progress, WaitingForTheUnitInDfuModeOnATerminal) {
    TempDir tmp;
    EmuOptions o;
    o.normal_mode = true;
    o.device_os = "1.5.2";
    o.dct = kFieldFailure;
    o.reenumerate_ms = 700u; // the unit takes 0.7 s to come back in DFU mode
    o.on_terminal = true;
    const auto e = emu_run(o, dct({"inspect"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 11) << e.r.describe();
    EXPECT_TRUE(has(e.r.out, "\rwaiting for the unit in DFU mode ")) << e.r.out;
    EXPECT_TRUE(has(e.r.out, "/10 s")) << e.r.out; // against the default --dfu-timeout
}

} // namespace
} // namespace e2e
