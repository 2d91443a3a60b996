#pragma once
// Text for documents: values from DICOM tags and CSV files are untrusted and are escaped before they reach HTML.
#include <string>
#include <string_view>

namespace myo::core {

// `text` safe inside HTML elements and quoted attributes: & < > " ' as character references.
[[nodiscard]] std::string html_escape(std::string_view text);

}  // namespace myo::core
