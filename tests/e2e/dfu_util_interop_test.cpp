// Issue 3 item 5: interop with the real dfu-util 0.11 (Debian binary) on the emulated Photon.
#include "e2e_support.hpp"

namespace e2e {
namespace {

bool have_dfu_util() { return fs::exists(kDfuUtil); }

TEST(DfuUtilInterop, FullWindowUploadEqualsPhotonDctBackup) {
    if (!have_dfu_util()) GTEST_SKIP() << kDfuUtil << " not installed";
    TempDir tmp;
    const auto a = tmp / "a.bin", b = tmp / "b.bin";
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_shell(o,
                             shell_join({kDfuUtil, "-d", "2b04:d006", "-a", "1", "-s", "0:16384", "-U", a.string()}) +
                                 " && " + shell_join(dct({"backup", "-o", b.string()})),
                             tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto da = read_file(a), db = read_file(b);
    EXPECT_EQ(da.size(), 16384u);
    EXPECT_EQ(db.size(), 16384u);
    EXPECT_EQ(da, db);
    EXPECT_TRUE(same_image(db, window(read_file(kFieldFailure))));
    EXPECT_EQ(file_mode(b), 0600u);
    EXPECT_EQ(data_downloads(e.transcript), 0u);
}

TEST(DfuUtilInterop, BlockWrittenByDfuUtilIsDecodedByInspect) {
    if (!have_dfu_util()) GTEST_SKIP() << kDfuUtil << " not installed";
    TempDir tmp;
    const auto block = tcp_server_block(server_key_der(), "10.0.0.5", 5683u);
    ASSERT_EQ(hex(slice(block, 384, 6)), "00040a000005");
    const auto block_file = tmp / "block.bin";
    write_file(block_file, block);
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e =
        emu_shell(o,
                  shell_join({kDfuUtil, "-d", "2b04:d006", "-a", "1", "-s", "2082", "-D", block_file.string()}) +
                      " >dfu-util.log 2>&1 && " + shell_join(dct({"--json", "inspect"})),
                  tmp.path());
    ASSERT_TRUE(e.r.exit_code == 0 || e.r.exit_code == 11) << e.r.describe() << read_text(tmp / "dfu-util.log");
    EXPECT_TRUE(same_image(e.dump(), image_with(window(read_file(kFieldFailure)), 2082, block)));
    const auto doc = parse_one_json(e.r.out);
    const auto& addr = doc["result"]["tcp"]["server_address"];
    EXPECT_EQ(addr["type"], "ipv4") << addr.dump();
    EXPECT_EQ(addr["host"], "10.0.0.5") << addr.dump();
    EXPECT_EQ(addr["raw_port"], 5683) << addr.dump();
    bool connects = false;
    for (const auto& t : doc["result"]["tcp"]["connects_to"])
        if (t["connects"] == true && t["host"] == "10.0.0.5" && t["port"] == 5683) connects = true;
    EXPECT_TRUE(connects) << doc["result"]["tcp"]["connects_to"].dump();
}

TEST(DfuUtilInterop, BlockWrittenByRestoreServerReadsBackThroughDfuUtil) {
    if (!have_dfu_util()) GTEST_SKIP() << kDfuUtil << " not installed";
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    const auto c = tmp / "c.bin";
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e =
        emu_shell(o,
                  shell_join(dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com",
                                  "--port", "5683", "--backup-dir", backups.string()})) +
                      " && " + shell_join({kDfuUtil, "-d", "2b04:d006", "-a", "1", "-s", "2082:512", "-U", c.string()}),
                  tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto expected = tcp_server_block(server_key_der(), "cloud.example.com", 5683u);
    EXPECT_EQ(hex(read_file(c)), hex(expected));
    EXPECT_EQ(slice(e.dump(), 2082, 512), expected);
}

} // namespace
} // namespace e2e
