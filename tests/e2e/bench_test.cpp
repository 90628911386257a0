// The bench end to end: photon-dct bench under photon-dct-emu with units arriving over time, each
// with its own DCT and fault; every unit ends as expected, one audit line each with the right
// hashes, no unit written twice, exit status 15 because some units fail. A bad profile is refused
// with FILE:LINE:COLUMN before any unit is read.
#include <gtest/gtest.h>

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

struct Unit {
    std::string fault;
    Bytes image;        // as plugged in (16384 bytes)
    std::string expect; // "written", "already-conforms", "failed"
};

class BenchE2e : public ::testing::Test {
protected:
    void SetUp() override {
        write_file(dir_ / "server.pub.pem", read_file(kData / "private-cloud-server.pub.pem"));
        dir_.dir("device-keys");
        dir_.dir("backups");
        test_support::write_text(dir_ / "bench.toml", "name = \"e2e\"\n[server]\nkey = \"server.pub.pem\"\n"
                                                      "host = \"cloud.example.com\"\nport = 5683\n[device_key]\n"
                                                      "missing = \"restore\"\npublic_keys = \"device-keys\"\n"
                                                      "[files]\nbackups = \"backups\"\naudit = \"audit.jsonl\"\n");
    }
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
    std::map<std::string, nlohmann::json> by_id;
    nlohmann::json summary;
    std::istringstream out(r.out);
    for (std::string line; std::getline(out, line);) {
        const auto doc = nlohmann::json::parse(line);
        if (doc["type"] == "summary")
            summary = doc["result"];
        else
            by_id[doc["result"]["device_id"].get<std::string>()] = doc["result"];
    }
    EXPECT_EQ(summary["units"], units.size());
    EXPECT_EQ(summary["passed"], 3);
    EXPECT_EQ(summary["same"], 1);
    EXPECT_EQ(summary["failed"], 2);

    std::map<std::string, nlohmann::json> audit;
    std::istringstream log(read_text(dir_ / "audit.jsonl"));
    int lines = 0;
    for (std::string line; std::getline(log, line); ++lines) {
        const auto rec = nlohmann::json::parse(line);
        EXPECT_EQ(rec["operator"], "e2e");
        EXPECT_EQ(rec["command"], "bench");
        audit[rec["device_id"].get<std::string>()] = rec;
    }
    EXPECT_EQ(lines, static_cast<int>(units.size())); // no unit twice
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
