#include "cli/help_text.h"

#include <algorithm>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace rtparchive::cli {
namespace {

constexpr size_t kWidth = 80;
constexpr char kIndent[] = "      ";

// `text` in lines of at most kWidth columns, each after kIndent.
std::string Wrapped(absl::string_view text) {
  std::string out, line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && sizeof(kIndent) - 1 + line.size() + 1 + word.size() > kWidth) {
      absl::StrAppend(&out, kIndent, line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, kIndent, line, "\n");
  return out;
}

}  // namespace

std::string HelpText(absl::string_view usage) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    // Abseil's own flags (--helpfull, --flagfile...) are listed by --helpfull.
    if (absl::StrContains(flag->Filename(), "src/cli/")) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(), [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
    return a->Name() < b->Name();
  });
  std::string text = absl::StrCat(absl::StripTrailingAsciiWhitespace(usage), "\n\nFlags:\n");
  for (const absl::CommandLineFlag* flag : flags) {
    std::string value = flag->DefaultValue();
    if (flag->IsOfType<std::string>()) value = absl::StrCat("\"", value, "\"");
    if (value.empty()) value = "none";
    absl::StrAppend(&text, "  --", flag->Name(), " (default: ", value, ")\n", Wrapped(flag->Help()));
  }
  absl::StrAppend(&text, "\n--helpfull lists Abseil's own flags too (--flagfile, --fromenv...).\n");
  return text;
}

}  // namespace rtparchive::cli
