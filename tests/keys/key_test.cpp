#include <gtest/gtest.h>
TEST(Dummy, X) { EXPECT_TRUE(true); }
