import Foundation

/// Raw librdkafka properties given as text: `key=value` pairs separated by commas, where a value may hold
/// commas itself (`debug=cgrp,fetch`): a piece that does not start with `name=` continues the value before it.
public enum KafkaProperties {
    /// Parses the text of a variable or flag.
    /// - Parameters:
    ///   - text: `key=value,key=value,...`.
    ///   - variable: Its name, for errors.
    /// - Returns: The properties, in order.
    public static func parse(_ text: String, named variable: String) throws(SettingError) -> [(String, String)] {
        var properties: [(String, String)] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            if let equals = piece.firstIndex(of: "="), isPropertyName(piece[..<equals]) {
                properties.append((String(piece[..<equals]), String(piece[piece.index(after: equals)...])))
            } else if !properties.isEmpty {
                properties[properties.count - 1].1 += "," + piece
            } else if !piece.trimmingCharacters(in: .whitespaces).isEmpty {
                // The value is not repeated: it may hold a password (sasl.password, ssl.key.password).
                throw SettingError(
                    variable: variable, value: nil,
                    expected:
                        "librdkafka properties key=value[,key=value...] (its value is not shown: it may hold a secret)")
            }
        }
        return properties
    }

    /// Whether text is a librdkafka property name: lowercase letters, digits, dots and underscores.
    static func isPropertyName(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "_") }
    }
}
