#include "apps/output/results_format.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cmdlink::apps {
namespace {

TEST(SpreadsheetSafe, NeutralisesEveryFormulaStart) {
    for (const std::string cell : {"=SUM(1;2)", "+1", "-1", "@A1", "\tx", "\rx"}) {
        EXPECT_EQ(spreadsheet_safe(cell), "'" + cell) << cell;
    }
    EXPECT_EQ(spreadsheet_safe(std::string("\0x", 2)), std::string("'\0x", 3));
}

TEST(SpreadsheetSafe, LeavesOrdinaryCellsAlone) {
    for (const std::string cell : {"", "31001", "a=b", "passed", "'quoted", "2026-11-24"}) {
        EXPECT_EQ(spreadsheet_safe(cell), cell) << cell;
    }
}

TEST(RenderCsv, QuotesSeparatorsAndQuotesAndKeepsEmptyCellsEmpty) {
    const TextTable table{{"user_id", "name", "note"},
                          {{"=SUM(1;2)", "Smith, \"Jo\"", ""}, {"1002", "a;b", "x\ny"}}};
    EXPECT_EQ(render_csv(table),
              "user_id,name,note\r\n"
              "\"'=SUM(1;2)\",\"Smith, \"\"Jo\"\"\",\r\n"
              "1002,\"a;b\",\"x\ny\"\r\n");
}

TEST(RenderAligned, ShowsAnEmptyCellAsADash) {
    const TextTable table{{"a", "b"}, {{"", "x"}}};
    EXPECT_EQ(render_aligned(table), "a  b\n-  x\n");
}

}  // namespace
}  // namespace cmdlink::apps
