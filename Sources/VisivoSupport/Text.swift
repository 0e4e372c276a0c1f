import Foundation

/// The text of an errno value.
package func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

extension Substring {
    /// Without the spaces, tabs and line breaks at either end (no Unicode tables involved).
    package var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s = s.dropLast() }
        return s
    }
}

extension String {
    package var trimmingSpaces: Substring { Substring(self).trimmingSpaces }
}
