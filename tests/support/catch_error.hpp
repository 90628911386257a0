// catch_error: runs a callable that must throw photon_dct::Error and returns the error, so a test
// can check its kind, message and hint; a callable that throws nothing is a test failure.
#pragma once

#include <gtest/gtest.h>

#include "photon_dct/error.hpp"

namespace test_support {

template <typename F>
photon_dct::Error catch_error(F&& f) {
    try {
        f();
    } catch (const photon_dct::Error& e) {
        return e;
    }
    ADD_FAILURE() << "no photon_dct::Error thrown";
    return photon_dct::Error(photon_dct::ErrorKind::Internal, "none");
}

} // namespace test_support
