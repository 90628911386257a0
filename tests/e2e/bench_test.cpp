// The bench end to end: photon-dct bench under photon-dct-emu with units arriving over time, each
// with its own DCT and fault; every unit ends as expected, one audit line each with the right
// hashes, no unit written twice, exit status 15 because some units fail. A bad profile is refused
// with FILE:LINE:COLUMN before any unit is read.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "e2e_support.hpp"
#include "photon_dct/keys/key.hpp"

namespace {

using namespace e2e;

// The serial photon-dct-emu gives unit i (the last four hex digits of the first serial plus i).
std::string serial_of(unsigned i) {
    const unsigned tail = (0x3435 + i) & 0xFFFF;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04x", tail);
    return kSerial.substr(0, 20) + buf;
}

Bytes with_id(Bytes image, const std::string& id) {
    for (std::size_t i = 0; i < 12; ++i)
        image[3618 + i] = static_cast<std::uint8_t>(std::stoul(id.substr(2 * i, 2), nullptr, 16)); // device_id
    return image;
}

std::string sha256_of(const Bytes& b) { return photon_dct::keys::sha256_hex(b); }

// The JSON Lines of a bench run: the unit documents by device ID, and the summary.
struct BenchLines {
    std::map<std::string, nlohmann::json> units;
    nlohmann::json summary;
};

BenchLines bench_lines(const std::string& out) {
    BenchLines b;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        const auto doc = nlohmann::json::parse(line);
        if (doc["type"] == "summary")
            b.summary = doc["result"];
        else
            b.units[doc["result"]["device_id"].get<std::string>()] = doc["result"];
    }
    return b;
}

void expect_summary(const nlohmann::json& summary, std::size_t units, int passed, int same, int failed) {
    EXPECT_EQ(summary["units"], units) << summary.dump();
    EXPECT_EQ(summary["passed"], passed) << summary.dump();
    EXPECT_EQ(summary["same"], same) << summary.dump();
    EXPECT_EQ(summary["failed"], failed) << summary.dump();
}

// The audit log: each record by device ID, and how many lines it has.
std::map<std::string, nlohmann::json> audit_records(const fs::path& path, int& lines) {
    std::map<std::string, nlohmann::json> audit;
    std::istringstream log(read_text(path));
    lines = 0;
    for (std::string line; std::getline(log, line); ++lines) {
        const auto rec = nlohmann::json::parse(line);
        audit[rec["device_id"].get<std::string>()] = rec;
    }
    return audit;
}

struct Unit {
    std::string fault;
    Bytes image;        // as plugged in (16384 bytes)
    std::string expect; // "written", "already-conforms", "failed"
};

class BenchE2e : public ::testing::Test {
protected:
    void SetUp() override { write_profile(dir_, "bench.toml", "restore"); }
    TempDir dir_{"bench-e2e"};
};

TEST_F(BenchE2e, UnitsArrivingOverTimeEndAsExpectedWithOneAuditLineEach) {
    const Bytes blank_address = window(read_file(kData / "field-failure-photon-0.6.3.dct"));
    const Bytes good = window(read_file(kData / "photon-provisioned-backup.dct"));
    const Bytes blank_key = window(read_file(kData / "erased-device-key-photon.dct"));
    std::vector<Unit> units{{"blank address", blank_address, "written"},
                            {"already conforms", good, "already-conforms"},
                            {"blank key, backup in backups/", blank_key, "written"},
                            {"blank key, no backup", blank_key, "failed"},
                            {"key conflicts with its registered public key", blank_address, "failed"},
                            {"blank address", blank_address, "written"}};
    std::vector<std::string> argv{kEmu,
                                  "--dump",
                                  (dir_ / "out.dct").string(),
                                  "--devices",
                                  std::to_string(units.size()),
                                  "--arrive-every",
                                  "300",
                                  "--unplug-after-leave",
                                  "200"};
    for (unsigned i = 0; i < units.size(); ++i) {
        units[i].image = with_id(units[i].image, serial_of(i));
        write_file(dir_ / ("u" + std::to_string(i) + ".dct"), units[i].image);
        argv.insert(argv.end(), {"--dct", (dir_ / ("u" + std::to_string(i) + ".dct")).string()});
    }
    write_file(dir_ / "backups" / "photon-unit2-old.dct", with_id(good, serial_of(2)));
    // Unit 4's registered key is another one: its valid key must never be overwritten.
    test_support::write_text(dir_ / "device-keys" / (serial_of(4) + ".pub.pem"),
                             read_text(kData / "private-cloud-server.pub.pem"));
    argv.insert(argv.end(), {"--", kPhotonDct, "--json", "bench", "--profile", (dir_ / "bench.toml").string(),
                             "--count", std::to_string(units.size()), "--operator", "e2e"});
    const auto r = run(argv, dir_.path());
    ASSERT_EQ(r.exit_code, 15) << r.describe();

    // JSON Lines: one document per unit, then the summary.
    const auto bench = bench_lines(r.out);
    auto by_id = bench.units;
    expect_summary(bench.summary, units.size(), 3, 1, 2);

    int lines = 0;
    auto audit = audit_records(dir_ / "audit.jsonl", lines);
    EXPECT_EQ(lines, static_cast<int>(units.size())); // no unit twice
    for (const auto& [id, rec] : audit) {
        EXPECT_EQ(rec["operator"], "e2e");
        EXPECT_EQ(rec["command"], "bench");
    }
    for (unsigned i = 0; i < units.size(); ++i) {
        SCOPED_TRACE(units[i].fault);
        const std::string id = serial_of(i);
        ASSERT_TRUE(by_id.contains(id) && audit.contains(id));
        EXPECT_EQ(by_id[id]["result"], units[i].expect) << by_id[id].dump();
        EXPECT_EQ(audit[id]["result"], units[i].expect);
        const Bytes after = read_file(dir_ / ("out.dct." + std::to_string(i)));
        EXPECT_EQ(audit[id]["dct_sha256_before"], sha256_of(units[i].image));
        EXPECT_EQ(audit[id]["dct_sha256_after"], sha256_of(after));
        if (units[i].expect == "written")
            EXPECT_TRUE(same_image(after, with_id(good, id))); // old or new, nothing in between
        else
            EXPECT_TRUE(same_image(after, units[i].image));
    }
    EXPECT_EQ(audit[serial_of(4)]["findings"].back(), "device-key-conflict");
}

// Photon, P1 and Electron units arriving 250 ms apart, unplugged 200 ms after they leave DFU mode.
// The profile asks for TCP, so an Electron whose cloud_transport is blank (UDP) also gets its
// protocol byte in the same one write (docs/dct-format.md 2: 0x00 = TCP).
TEST_F(BenchE2e, TwelveMixedUnitsWithFaultsEndConformingOrFailedAsExpected) {
    write_profile(dir_, "mixed.toml", "restore", "protocol = \"tcp\"\n");
    const Bytes blank_address = window(read_file(kData / "field-failure-photon-0.6.3.dct"));
    const Bytes good = window(read_file(kData / "photon-provisioned-backup.dct"));
    const Bytes blank_key = window(read_file(kData / "erased-device-key-photon.dct"));
    Bytes good_tcp = good; // an Electron that already uses TCP
    good_tcp[2977] = 0x00;
    struct Mixed {
        std::string platform;
        Unit unit;
    };
    std::vector<Mixed> units{{"photon", {"blank address", blank_address, "written"}},
                             {"p1", {"already conforms", good, "already-conforms"}},
                             {"electron", {"blank address, UDP", blank_address, "written"}},
                             {"photon", {"blank key, backup in backups/", blank_key, "written"}},
                             {"electron", {"blank key, no backup", blank_key, "failed"}},
                             {"p1", {"key conflicts with its registered public key", blank_address, "failed"}},
                             {"photon", {"unplugged mid-read", blank_address, "failed"}},
                             {"electron", {"already conforms, TCP", good_tcp, "already-conforms"}},
                             {"p1", {"blank address", blank_address, "written"}},
                             {"electron", {"blank key, backup in backups/", blank_key, "written"}},
                             {"photon", {"already conforms", good, "already-conforms"}},
                             {"electron", {"blank address, TCP", good_tcp, "written"}}};
    units[11].unit.image = image_with(good_tcp, 2082 + 384, Bytes(128, 0xFF)); // TCP address blank
    EmuOptions o;
    o.devices = static_cast<unsigned>(units.size());
    o.arrive_every_ms = 250;
    o.unplug_after_leave_ms = 200;
    o.unit_faults = {"6=Disconnect:Upload:2"}; // the second 4 KiB of the first read: gone from the bus
    for (unsigned i = 0; i < units.size(); ++i) {
        units[i].unit.image = with_id(units[i].unit.image, serial_of(i));
        const fs::path image = dir_ / ("u" + std::to_string(i) + ".dct");
        write_file(image, units[i].unit.image);
        o.unit_platforms.push_back(units[i].platform);
        o.unit_dcts.push_back(image);
    }
    for (unsigned i : {3u, 9u}) // their own old backups, as `restore` looks for them
        write_file(dir_ / "backups" / ("unit" + std::to_string(i) + "-old.dct"), with_id(good, serial_of(i)));
    test_support::write_text(dir_ / "device-keys" / (serial_of(5) + ".pub.pem"),
                             read_text(kData / "private-cloud-server.pub.pem"));
    const auto e = emu_run(o,
                           {kPhotonDct, "--json", "bench", "--profile", (dir_ / "mixed.toml").string(), "--count",
                            std::to_string(units.size()), "--operator", "e2e"},
                           dir_.path());
    ASSERT_EQ(e.r.exit_code, 15) << e.r.describe(); // man page: 15 when any unit failed
    ASSERT_EQ(e.dumps.size(), units.size());

    const auto lines = bench_lines(e.r.out);
    expect_summary(lines.summary, units.size(), 6, 3, 3);
    int records = 0;
    auto audit = audit_records(dir_ / "audit.jsonl", records);
    EXPECT_EQ(records, static_cast<int>(units.size()));
    for (unsigned i = 0; i < units.size(); ++i) {
        const auto& u = units[i].unit;
        SCOPED_TRACE(units[i].platform + " " + std::to_string(i) + ": " + u.fault);
        const std::string id = serial_of(i);
        ASSERT_TRUE(lines.units.contains(id) && audit.contains(id)) << e.r.out;
        EXPECT_EQ(lines.units.at(id)["result"], u.expect) << lines.units.at(id).dump();
        EXPECT_EQ(audit[id]["result"], u.expect);
        EXPECT_EQ(audit[id]["platform"], units[i].platform);
        EXPECT_LE(data_downloads(e.transcript, static_cast<int>(i)), 1u) << "written at most once";
        const Bytes& after = e.dumps[i];
        if (u.expect == "written") {
            Bytes expected = with_id(good, id); // old or new, nothing in between
            if (units[i].platform == "electron") expected[2977] = 0x00;
            EXPECT_TRUE(same_image(after, expected));
            EXPECT_EQ(data_downloads(e.transcript, static_cast<int>(i)), 1u);
        } else {
            EXPECT_TRUE(same_image(after, u.image));
            EXPECT_EQ(data_downloads(e.transcript, static_cast<int>(i)), 0u);
        }
        if (i == 6) { // never read whole: no hash to record
            EXPECT_TRUE(audit[id]["dct_sha256_before"].is_null()) << audit[id].dump();
            EXPECT_TRUE(audit[id]["dct_sha256_after"].is_null());
            continue;
        }
        EXPECT_EQ(audit[id]["dct_sha256_before"], sha256_of(u.image));
        EXPECT_EQ(audit[id]["dct_sha256_after"], sha256_of(after));
    }
    EXPECT_EQ(audit[serial_of(5)]["findings"].back(), "device-key-conflict");
    const auto& no_backup = audit[serial_of(4)]["findings"];
    EXPECT_NE(std::find(no_backup.begin(), no_backup.end(), "device-key-unusable"), no_backup.end()) << no_backup;
}

// Units that arrive running their firmware: the bench puts each into DFU mode itself (the same
// requests as every device command, docs/enter-dfu.md), follows it to its DFU-mode identity on the
// same port and provisions it.
TEST_F(BenchE2e, UnitsArrivingInNormalModeArePutIntoDfuModeAndProvisioned) {
    const Bytes blank_address = window(read_file(kData / "field-failure-photon-0.6.3.dct"));
    const Bytes good = window(read_file(kData / "photon-provisioned-backup.dct"));
    EmuOptions o;
    o.devices = 3;
    o.normal_mode = true;
    o.device_os = "0.6.3";
    o.arrive_every_ms = 300;
    o.unplug_after_leave_ms = 200;
    for (unsigned i = 0; i < o.devices; ++i) {
        const fs::path image = dir_ / ("n" + std::to_string(i) + ".dct");
        write_file(image, with_id(blank_address, serial_of(i)));
        o.unit_dcts.push_back(image);
    }
    const auto e = emu_run(
        o, {kPhotonDct, "bench", "--profile", (dir_ / "bench.toml").string(), "--count", "3", "--operator", "e2e"},
        dir_.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_NE(e.r.out.find("3 units in "), std::string::npos) << e.r.out;
    EXPECT_NE(e.r.out.find("3 passed, 0 already conformed, 0 failed"), std::string::npos) << e.r.out;
    int records = 0;
    auto audit = audit_records(dir_ / "audit.jsonl", records);
    EXPECT_EQ(records, 3);
    for (unsigned i = 0; i < o.devices; ++i) {
        SCOPED_TRACE(i);
        const std::string id = serial_of(i);
        ASSERT_TRUE(audit.contains(id)) << read_text(dir_ / "audit.jsonl");
        EXPECT_EQ(audit[id]["result"], "written");
        EXPECT_NE(e.r.out.find("PASS " + id + " photon usb "), std::string::npos) << e.r.out;
        EXPECT_NE(e.r.err.find("putting Photon " + id), std::string::npos) << e.r.err;
        EXPECT_TRUE(same_image(e.dumps[i], with_id(good, id)));
        EXPECT_EQ(data_downloads(e.transcript, static_cast<int>(i)), 1u);
        // It reset into DFU mode once (the bus event of the switch) before the write.
        const auto events = std::count_if(e.transcript.begin(), e.transcript.end(), [i](const json& t) {
            return on_device(t, static_cast<int>(i)) && t.value("name", "") == "BUS_ENUMERATE";
        });
        EXPECT_GE(events, 1) << transcript_text(e.transcript);
    }
}

TEST_F(BenchE2e, AProfileErrorIsRefusedBeforeAnyUnitIsRead) {
    test_support::write_text(dir_ / "bad.toml", "name = \"e2e\"\n[server]\nkey = \"server.pub.pem\"\nhost = \"a_b\"\n");
    const auto r = run({kEmu, "--transcript", (dir_ / "t.jsonl").string(), "--", kPhotonDct, "bench", "--profile",
                        (dir_ / "bad.toml").string(), "--count", "1"},
                       dir_.path());
    EXPECT_EQ(r.exit_code, 7) << r.describe();
    EXPECT_NE(r.err.find("bad.toml:4:8: [server] host"), std::string::npos) << r.err;
    EXPECT_EQ(read_text(dir_ / "t.jsonl").find("UPLOAD"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_ / "audit.jsonl"));
}

} // namespace
