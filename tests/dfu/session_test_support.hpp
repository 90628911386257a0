// The fixture of the DfuseSession tests (session_test.cpp, recovery_test.cpp): a scripted Photon
// bootloader, its quirks from the quirk table, recorded bwPollTimeout waits and trace lines.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "catch_error.hpp"
#include "photon_dct/dfu/session.hpp"
#include "photon_dct/error.hpp"
#include "scripted_transport.hpp"

namespace photon_dct::dfu::testing {

inline Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + seed);
    return b;
}

inline Bytes slice(const Bytes& b, std::size_t from, std::size_t n) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(from + n));
}

inline void PrintTo(const TransferCounters& c, std::ostream* os) {
    *os << "{control_transfers " << c.control_transfers << ", data_downloads " << c.data_downloads << ", uploads "
        << c.uploads << ", set_address_commands " << c.set_address_commands << ", erase_commands " << c.erase_commands
        << ", status_polls " << c.status_polls << "}";
}

struct DfuseSessionTest : ::testing::Test {
    ScriptedTransport t{photon_config(), photon_strings()};
    std::vector<std::chrono::milliseconds> sleeps;
    std::vector<std::string> trace;

    // A Photon bootloader: its quirks from the quirk table.
    SessionOptions options() {
        SessionOptions o;
        o.platform_id = photon_dct::quirks::kPhoton;
        o.quirks =
            photon_dct::quirks::QuirkSet({photon_dct::quirks::kPhoton, true, 0x0250, "3a0036000247363333343435"});
        o.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
        o.trace = [this](std::string_view line) { trace.emplace_back(line); };
        return o;
    }

    // A session on the Photon with "DCT Flash" selected.
    std::unique_ptr<DfuseSession> dct_session() { return dct_session(options()); }
    std::unique_ptr<DfuseSession> dct_session(SessionOptions o) {
        auto s = std::make_unique<DfuseSession>(t, std::move(o));
        s->select_alt("DCT Flash");
        return s;
    }

    void expect_script_done() { EXPECT_EQ(t.remaining(), 0u) << "script not fully consumed"; }
};

} // namespace photon_dct::dfu::testing
