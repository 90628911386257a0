// photon-dct-emu: exit status passthrough, usage errors, --dump/--transcript, options.
#include "emu_test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

using namespace emu_test;

namespace {

using Bytes = std::vector<std::uint8_t>;

RunResult emu(const std::string& args) { return run(quote(PHOTON_DCT_EMU_BIN) + " " + args); }

std::string dfu_util_bin() { return quote(DFU_UTIL_BIN); }

TEST(Runner, PassesTheExitStatusThrough) {
    EXPECT_EQ(emu("-- sh -c 'exit 0'").exit_code, 0);
    EXPECT_EQ(emu("-- sh -c 'exit 7'").exit_code, 7);
    EXPECT_EQ(emu("-- sh -c 'kill -TERM $$'").exit_code, 128 + 15);
}

TEST(Runner, ForwardsOutputAndEnvironment) {
    const auto r =
        emu("-- sh -c 'echo out; echo err >&2; echo \"$LD_PRELOAD\"; test -d \"$UMOCKDEV_DIR/sys\" && echo hasdir'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("out\n"), std::string::npos);
    EXPECT_NE(r.output.find("err\n"), std::string::npos);
    EXPECT_NE(r.output.find("libumockdev-preload.so.0"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("hasdir"), std::string::npos) << r.output;
}

TEST(Runner, UsageErrorsExit125) {
    TempDir tmp;
    auto r = emu("--devices 2");
    EXPECT_EQ(r.exit_code, 125);
    EXPECT_NE(r.output.find("missing '-- COMMAND"), std::string::npos) << r.output;
    r = emu("--bogus -- true");
    EXPECT_EQ(r.exit_code, 125) << r.output;
    r = emu("--fault explode:upload -- true");
    EXPECT_EQ(r.exit_code, 125);
    EXPECT_NE(r.output.find("unknown fault kind 'explode'"), std::string::npos) << r.output;
    r = emu("--platform core -- true");
    EXPECT_EQ(r.exit_code, 125) << r.output;
    r = emu("--serial xyz -- true");
    EXPECT_EQ(r.exit_code, 125) << r.output;
    write_file(tmp / "big.bin", Bytes(16385, 0));
    r = emu("--dct " + quote(tmp / "big.bin") + " -- true");
    EXPECT_EQ(r.exit_code, 125);
    EXPECT_NE(r.output.find("at most 16384"), std::string::npos) << r.output;
    r = emu("--dct " + quote(tmp / "missing.bin") + " -- true");
    EXPECT_EQ(r.exit_code, 125) << r.output;
    r = emu("-- /nonexistent/command");
    EXPECT_EQ(r.exit_code, 127) << r.output;
}

TEST(Runner, DumpAndTranscriptAfterDownload) {
    TempDir tmp;
    const Bytes dct = random_bytes(10000, 21); // shorter images are padded with 0xFF
    const Bytes block = random_bytes(100, 22);
    write_file(tmp / "dct.bin", dct);
    write_file(tmp / "block.bin", block);
    const auto r =
        emu("--poll-ms 2 --dct " + quote(tmp / "dct.bin") + " --dump " + quote(tmp / "dump.bin") + " --transcript " +
            quote(tmp / "t.jsonl") + " -- " + dfu_util_bin() + " -a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Bytes expected = dct;
    expected.resize(16384, 0xFF);
    std::copy(block.begin(), block.end(), expected.begin() + 2082);
    EXPECT_EQ(read_file(tmp / "dump.bin"), expected);
    std::ifstream f(tmp / "t.jsonl");
    std::string line;
    std::size_t erases = 0, writes = 0, lines = 0;
    while (std::getline(f, line)) {
        ++lines;
        EXPECT_EQ(line.rfind("{\"device\":0,\"seq\":", 0), 0u) << line;
        if (line.find("\"name\":\"DNLOAD\"") != std::string::npos &&
            line.find("\"data\":\"4122080000\"") != std::string::npos)
            ++erases;
        if (line.find("\"name\":\"DNLOAD\",\"request_type\":33,\"request\":1,\"value\":2,") != std::string::npos)
            ++writes;
    }
    EXPECT_GT(lines, 10u);
    EXPECT_EQ(erases, 1u);
    EXPECT_EQ(writes, 1u);
}

TEST(Runner, Gen3StringMeansNoErase) {
    TempDir tmp;
    write_file(tmp / "block.bin", Bytes(10, 1));
    const auto r = emu("--poll-ms 2 --gen3-dct-string --transcript " + quote(tmp / "t.jsonl") + " -- " +
                       dfu_util_bin() + " -a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::ifstream f(tmp / "t.jsonl");
    std::string line, all;
    while (std::getline(f, line)) all += line + "\n";
    EXPECT_EQ(all.find("\"data\":\"41"), std::string::npos);
    EXPECT_NE(all.find("\"data\":\"2122080000\""), std::string::npos);
}

TEST(Runner, SeveralDevicesGetDistinctSerialsAndDumps) {
    TempDir tmp;
    const auto r = emu("--devices 3 --dump " + quote(tmp / "d.bin") + " -- " + dfu_util_bin() + " -l");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("serial=\"3a0036000247363333343435\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("serial=\"3a0036000247363333343436\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("serial=\"3a0036000247363333343437\""), std::string::npos) << r.output;
    for (int i = 0; i < 3; ++i) EXPECT_EQ(read_file(tmp / ("d.bin." + std::to_string(i))), Bytes(16384, 0xFF));
    // Upper-case serials stay upper-case; the pre-0.6.0 constant is shared by every unit.
    const auto u = emu("--devices 2 --serial 3B0021001747353236343033 -- " + dfu_util_bin() + " -l");
    EXPECT_NE(u.output.find("serial=\"3B0021001747353236343034\""), std::string::npos) << u.output;
    const auto c = emu("--devices 2 --serial 00000000010C -- " + dfu_util_bin() + " -l");
    EXPECT_NE(c.output.find("path=\"1-2\", alt=1, name=\"@DCT Flash   /0x00000000/01*016Kg\", serial=\"00000000010C\""),
              std::string::npos)
        << c.output;
}

TEST(Runner, PlatformAndModeOptions) {
    auto r = emu("--platform p1 -- " + dfu_util_bin() + " -l");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("[2b04:d008]"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("alt=2, name=\"@Serial Flash   /0x00000000/256*004Kg\""), std::string::npos) << r.output;
    r = emu("--platform electron -- " + dfu_util_bin() + " -l");
    EXPECT_NE(r.output.find("[2b04:d00a]"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("alt=2"), std::string::npos) << r.output;
    r = emu("--normal-mode -- sh -c 'cat \"$UMOCKDEV_DIR/sys/devices/usb1/1-1/idProduct\"; " + dfu_util_bin() + " -l'");
    EXPECT_NE(r.output.find("c006"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("Found DFU"), std::string::npos) << r.output;
}

TEST(Runner, NormalModeOptions) {
    auto r = emu("--normal-mode --device-os 0.6 -- true");
    EXPECT_EQ(r.exit_code, 125);
    EXPECT_NE(r.output.find("--device-os must be X.Y.Z"), std::string::npos) << r.output;
    // The unit's serial before the reset: a fixed one before 0.6.0, else the ID in upper case.
    r = emu("--normal-mode --device-os 0.5.3 -- sh -c 'cat \"$UMOCKDEV_DIR/sys/devices/usb1/1-1/serial\"'");
    EXPECT_NE(r.output.find("00000000050C"), std::string::npos) << r.output;
    r = emu("--normal-mode --devices 2 --device-os 1.5.2 -- sh -c 'cat \"$UMOCKDEV_DIR\"/sys/devices/usb1/1-*/serial'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("3A0036000247363333343435\n3A0036000247363333343436"), std::string::npos) << r.output;
}

TEST(Runner, RepeatedDctGivesUnitIItsImageAndTheLastToTheRest) {
    TempDir tmp;
    const auto a = random_bytes(16384, 1), b = random_bytes(16384, 2);
    write_file(tmp / "a.bin", a);
    write_file(tmp / "b.bin", b);
    const auto r = emu("--devices 3 --dct " + quote(tmp / "a.bin") + " --dct " + quote(tmp / "b.bin") + " --dump " +
                       quote(tmp / "d") + " -- true");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_file(tmp / "d.0"), a);
    EXPECT_EQ(read_file(tmp / "d.1"), b);
    EXPECT_EQ(read_file(tmp / "d.2"), b);
}

TEST(Runner, RepeatedPlatformGivesUnitIItsPlatformAndTheLastToTheRest) {
    // docs/dfu-protocol.md: each platform's own DFU-mode product ID (d006 Photon, d008 P1, d00a Electron).
    const auto r = emu("--devices 3 --platform electron --platform p1 -- " + dfu_util_bin() + " -l");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("[2b04:d00a] ver=0250, devnum=2, cfg=1, intf=0, path=\"1-1\""), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("[2b04:d008] ver=0250, devnum=3, cfg=1, intf=0, path=\"1-2\""), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("[2b04:d008] ver=0250, devnum=4, cfg=1, intf=0, path=\"1-3\""), std::string::npos)
        << r.output;
    EXPECT_EQ(r.output.find("[2b04:d006]"), std::string::npos) << r.output;
}

TEST(Runner, UnitFaultHitsOnlyThatUnit) {
    TempDir tmp;
    // Unit 1 vanishes from the bus on its first UPLOAD (unplugged mid-read); unit 0 reads normally.
    const std::string script = std::string("for p in 1-1 1-2; do ") + DFU_UTIL_BIN + " -p $p -a 1 -s 0:4096 -U " +
                               tmp.path().string() + "/$p.bin >/dev/null 2>&1; echo \"$p $?\"; done";
    auto r = emu("--devices 2 --unit-fault 1=Disconnect:Upload -- sh -c '" + script + "'");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("1-1 0"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("1-2 0"), std::string::npos) << r.output;
    EXPECT_EQ(emu("--devices 2 --unit-fault 2=Stall:Upload -- true").exit_code, 125);
    EXPECT_EQ(emu("--unit-fault Stall:Upload -- true").exit_code, 125);
}

TEST(Runner, UnreadableDctAndFaultOptions) {
    TempDir tmp;
    write_file(tmp / "dct.bin", Bytes(16384, 0x5A));
    auto r = emu("--unreadable-dct --dct " + quote(tmp / "dct.bin") + " -- " + dfu_util_bin() + " -a 1 -s 0:4096 -U " +
                 quote(tmp / "o.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_file(tmp / "o.bin"), Bytes(4096, 0));
    write_file(tmp / "block.bin", Bytes(4, 0));
    r = emu("--poll-ms 2 --dct " + quote(tmp / "dct.bin") + " --dump " + quote(tmp / "d.bin") +
            " --fault stall:dnloaddata -- " + dfu_util_bin() + " -a 1 -s 2082 -D " + quote(tmp / "block.bin"));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_file(tmp / "d.bin"), Bytes(16384, 0x5A));
}

TEST(Runner, TraceSwitchLogsRequestsWithStateTransitions) {
    const auto quiet = emu("-- " + dfu_util_bin() + " -a 1 -s 0:16 -U /dev/null");
    EXPECT_EQ(quiet.output.find("[photon-emu"), std::string::npos) << quiet.output;
    TempDir tmp;
    const auto r = run("PHOTON_EMU_TRACE=1 " + quote(PHOTON_DCT_EMU_BIN) + " -- " + dfu_util_bin() +
                       " -a 1 -s 0:16 -U " + quote(tmp / "o.bin"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("[photon-emu dev0 #"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("DNLOAD"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("dfuIDLE -> dfuDNLOAD_SYNC  ok data=2100000000"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("dfuIDLE -> dfuUPLOAD_IDLE  ok"), std::string::npos) << r.output;
}

} // namespace
