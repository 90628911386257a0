// The read-back verify counts every byte that differs, wherever it is (issue 8: a mismatch of 16
// bytes in several places was reported as 4, the length of the first run).
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "photon_dct/error.hpp"
#include "photon_dct/ops/write.hpp"

namespace fs = std::filesystem;
using namespace photon_dct;

#include "ops_test_support.hpp"

namespace {

using namespace ops_test;

// An image whose reads after the first write come back with `spoiled` offsets flipped (a unit
// whose flash did not take the write there), or `cut` bytes short.
class SpoilingStore final : public ops::DctStore {
public:
    SpoilingStore(fs::path path, std::vector<std::size_t> spoiled, std::size_t cut = 0)
        : file_(std::move(path), photon()), spoiled_(std::move(spoiled)), cut_(cut) {}
    const dct::Platform& platform() const override { return file_.platform(); }
    std::string description() const override { return file_.description(); }
    std::vector<dct::CommandArgument> selector_arguments() const override { return file_.selector_arguments(); }
    Bytes read_window() override {
        Bytes w = file_.read_window();
        if (!written_) return w;
        for (auto at : spoiled_) w[at] ^= 0x5A;
        w.resize(w.size() - cut_);
        return w;
    }
    void write(std::uint32_t offset, ByteView bytes) override {
        file_.write(offset, bytes);
        written_ = true;
    }
    fs::path default_backup_path(const Bytes& w) const override { return file_.default_backup_path(w); }

private:
    ops::FileStore file_;
    std::vector<std::size_t> spoiled_;
    std::size_t cut_;
    bool written_ = false;
};

// The message of the verify mismatch write_regions reports when the read-back of a 16-byte write
// into the field-failure image comes back spoiled.
std::string mismatch_message(std::vector<std::size_t> spoiled, std::size_t cut = 0) {
    const TempDir dir;
    const auto path = dir.path() / "unit.dct";
    fs::copy_file(kPhotonImage, path);
    SpoilingStore store(path, std::move(spoiled), cut);
    try {
        ops::write_regions(store, store.read_window(), {{2082, Bytes(16, 0x01)}}, {});
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::VerifyMismatch);
        return e.what();
    }
    ADD_FAILURE() << "no mismatch reported";
    return {};
}

TEST(VerifyMismatch, CountsEveryDifferingByteInEveryPlace) {
    // 16 bytes in 5 runs: 3 before the written block, 4 in it, then 1, 6 and 2 further on.
    const std::string msg =
        mismatch_message({40, 41, 42, 2083, 2084, 2085, 2086, 3000, 5000, 5001, 5002, 5003, 5004, 5005, 8000, 8001});
    EXPECT_NE(msg.find("(16 bytes differ in 5 places, first at DCT offset 40)"), std::string::npos) << msg;
}

TEST(VerifyMismatch, OneByteInOnePlace) {
    const std::string msg = mismatch_message({2090});
    EXPECT_NE(msg.find("(1 byte differs, first at DCT offset 2090)"), std::string::npos) << msg;
}

TEST(VerifyMismatch, ShortReadBackSaysSo) {
    const std::size_t size = fs::file_size(kPhotonImage);
    const std::string msg = mismatch_message({}, 100);
    EXPECT_NE(msg.find(fmt::format("({} bytes read back instead of {})", size - 100, size)), std::string::npos) << msg;
}

} // namespace
