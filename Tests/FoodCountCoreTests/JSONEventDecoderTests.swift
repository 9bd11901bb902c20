import FoodCountCore
import XCTest

final class JSONEventDecoderTests: XCTestCase {
    private let decoder = JSONEventDecoder()

    // MARK: - Helpers

    /// A short, escaped rendering of an input for failure messages.
    private func describe(_ input: [UInt8]?) -> String {
        guard let input else { return "nil" }
        let text = String(decoding: input.prefix(120), as: UTF8.self).debugDescription
        return input.count > 120 ? "\(text)… (\(input.count) bytes)" : text
    }

    private func assertCategory(
        _ input: String,
        _ expected: String,
        decoder: JSONEventDecoder? = nil,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        do {
            let event = try (decoder ?? self.decoder).decode(input)
            XCTAssertEqual(
                Array(event.category.utf8),
                Array(expected.utf8),
                "input: \(describe(Array(input.utf8)))",
                file: file,
                line: line
            )
        } catch {
            let description = describe(Array(input.utf8))
            XCTFail("expected \(expected.debugDescription) for \(description), got \(error)", file: file, line: line)
        }
    }

    @discardableResult
    private func assertError(
        _ input: [UInt8]?,
        _ kind: EventDecodingError.Kind,
        decoder: JSONEventDecoder? = nil,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> EventDecodingError? {
        let description = describe(input)
        do {
            let event = try (decoder ?? self.decoder).decode(input)
            XCTFail("expected \(kind) for \(description), got \(event)", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.kind, kind, "input: \(description), error: \(error)", file: file, line: line)
            return error
        }
    }

    @discardableResult
    private func assertError(
        _ input: String,
        _ kind: EventDecodingError.Kind,
        decoder: JSONEventDecoder? = nil,
        file: StaticString = #filePath,
        line: UInt = #line
    ) -> EventDecodingError? {
        assertError(Array(input.utf8), kind, decoder: decoder, file: file, line: line)
    }

    private func message(food: String) -> String {
        #"{"food":"\#(food)"}"#
    }

    // MARK: - Happy path

    func testDecodesTypicalMessage() {
        assertCategory(#"{"food": "sandwich"}"#, "sandwich")
        assertCategory(#"{"food":"Cheese Cake","ts":1700000000,"source":"feed-1"}"#, "cheese cake")
    }

    func testTrimsAndLowercasesCategory() {
        assertCategory(#"{"food": "  Cheese CAKE \t"}"#, "cheese cake")
        assertCategory(#"{"food": "\n\r\tPIZZA\u000b\f "}"#, "pizza")
        assertCategory(#"{"food": "Fish   And  Chips"}"#, "fish   and  chips")
    }

    func testTrimsUnicodeWhitespace() {
        assertCategory("{\"food\": \"\u{00A0}\u{2003}Pizza\u{3000}\u{0085}\"}", "pizza")
        assertCategory(#"{"food": "\u2028Soup\u2029\u202f"}"#, "soup")
        // U+200B ZERO WIDTH SPACE is not Unicode White_Space, so it stays.
        assertCategory(#"{"food": "\u200bTea"}"#, "\u{200B}tea")
    }

    func testLowercasesUnicodeCategory() {
        assertCategory(#"{"food": "Crème Brûlée"}"#, "crème brûlée")
        assertCategory(#"{"food": "Cr\u00c8ME BR\u00DBL\u00C9E"}"#, "crème brûlée")
        assertCategory(#"{"food": "ÆBLEGRØD"}"#, "æblegrød")
        assertCategory(#"{"food": "日本料理"}"#, "日本料理")
        assertCategory(#"{"food": "\ud83c\udf70 Cake"}"#, "🍰 cake")
    }

    func testComposesCategoryToNFCSoThatCanonicallyEqualSpellingsAreOneCategory() throws {
        let nfc = Array("café".utf8)  // U+00E9
        assertCategory("{\"food\": \"cafe\u{301}\"}", "café")  // NFD: e + COMBINING ACUTE ACCENT
        assertCategory(#"{"food": "CAFE\u0301"}"#, "café")
        assertCategory(#"{"food": "Caf\u00c9"}"#, "café")
        XCTAssertEqual(try decoder.decode(#"{"food": "cafe\u0301"}"#).category.utf8.map { $0 }, nfc)
        // Lowercasing can lengthen a category ("İ" is 2 bytes, "i̇" 3): it stays in NFC.
        assertCategory(#"{"food": "İstanbul"}"#, "i\u{307}stanbul")
        // NFC, not NFKC: full-width letters stay their own category.
        assertCategory(#"{"food": "ＰＩＺＺＡ"}"#, "ｐｉｚｚａ")
        assertCategory(#"{"food": "👩‍🍳 Stew"}"#, "👩‍🍳 stew")
    }

    func testUnescapesCategory() {
        assertCategory(#"{"food": "Mac \"n\" Cheese"}"#, #"mac "n" cheese"#)
        assertCategory(#"{"food": "a\\b\/c"}"#, #"a\b/c"#)
        assertCategory(#"{"food": "\u0053\u006f\u0055\u0070"}"#, "soup")
    }

    func testIgnoresOtherFields() {
        assertCategory(
            #"{"ts":1700000000,"source":"feed-1","meta":{"a":[1,2.5e3,true,false,null]},"food":"Pizza","x":{}}"#,
            "pizza"
        )
    }

    func testIgnoresNestedFoodKeys() {
        assertCategory(#"{"meta":{"food":"nested"},"food":"Top"}"#, "top")
        assertCategory(#"{"food":"Top","list":[{"food":"a"},{"food":"b"}]}"#, "top")
        assertError(#"{"meta":{"food":"nested"}}"#, .missingField)
        assertError(#"{"list":[{"food":"x"}]}"#, .missingField)
    }

    func testMatchesEscapedKey() {
        assertCategory(#"{"f\u006fod": "Soup"}"#, "soup")
        assertCategory(#"{"\u0066\u006F\u006f\u0064": "Stew"}"#, "stew")
        assertError(#"{"f\u006fod": "a", "food": "b"}"#, .duplicateField)
    }

    func testComparesKeysExactly() {
        assertError(#"{"Food": "x"}"#, .missingField)
        assertError(#"{"food ": "x"}"#, .missingField)
        assertError(#"{"foo": "x"}"#, .missingField)
        assertError(#"{"foods": "x"}"#, .missingField)
        assertError(#"{"f\u006fods": "x"}"#, .missingField)
    }

    func testAcceptsWhitespaceAroundTokens() {
        assertCategory(" \t\r\n{ \"food\" \n:\t\"Bread\" \r\n, \"a\" : [ 1 , 2 ] } \n", "bread")
    }

    func testConvenienceOverloadsAgree() throws {
        let text = #"{"food":"Waffle"}"#
        let bytes = Array(text.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { buffer in try decoder.decode(buffer) }
        XCTAssertEqual(fromBuffer, FoodEvent(category: "waffle"))
        XCTAssertEqual(try decoder.decode(bytes), FoodEvent(category: "waffle"))
        XCTAssertEqual(try decoder.decode(text), FoodEvent(category: "waffle"))
    }

    func testWorksThroughExistential() throws {
        let existential: any EventDecoder = decoder
        XCTAssertEqual(try existential.decode(#"{"food":"Kebab"}"#).category, "kebab")
        XCTAssertThrowsError(try existential.decode(nil as [UInt8]?)) { error in
            XCTAssertEqual((error as? EventDecodingError)?.kind, .tombstone)
        }
    }

    // MARK: - Configuration

    func testUsesCustomFieldName() {
        let colours = JSONEventDecoder(configuration: .init(field: "colour"))
        assertCategory(#"{"colour": "Red"}"#, "red", decoder: colours)
        assertError(#"{"colour": "Red"}"#, .missingField)
        assertError(#"{"food": "Red"}"#, .missingField, decoder: colours)

        let unicode = JSONEventDecoder(configuration: .init(field: "größe"))
        assertCategory(#"{"gr\u00f6\u00dfe": "XL"}"#, "xl", decoder: unicode)
        assertCategory(#"{"größe": "M"}"#, "m", decoder: unicode)
    }

    func testAcceptsCategoryOfExactlyMaxBytes() {
        assertCategory(message(food: String(repeating: "A", count: 128)), String(repeating: "a", count: 128))
        assertCategory(message(food: String(repeating: "é", count: 64)), String(repeating: "é", count: 64))
        // Surrounding whitespace does not count.
        let padded = "  " + String(repeating: "B", count: 128) + "\\t "
        assertCategory(message(food: padded), String(repeating: "b", count: 128))
    }

    func testRejectsCategoryOneByteOverMax() {
        let error = assertError(message(food: String(repeating: "a", count: 129)), .categoryTooLong)
        XCTAssertEqual(error?.byteOffset, 8)
        assertError(message(food: String(repeating: "é", count: 64) + "x"), .categoryTooLong)
        let small = JSONEventDecoder(configuration: .init(maxCategoryBytes: 3))
        assertCategory(message(food: "ABC"), "abc", decoder: small)
        assertError(message(food: "ABCD"), .categoryTooLong, decoder: small)
    }

    func testMeasuresCategoryLengthAfterLowercasing() {
        // U+0130 (2 bytes) lowercases to "i" + U+0307 (3 bytes): 128 bytes become 192.
        assertError(message(food: String(repeating: "\u{130}", count: 64)), .categoryTooLong)
        // U+212A KELVIN SIGN (3 bytes) lowercases to ASCII "k": 150 bytes become 50.
        assertCategory(message(food: String(repeating: "\u{212A}", count: 50)), String(repeating: "k", count: 50))
    }

    func testMaxMessageBytesBoundary() {
        let limited = JSONEventDecoder(configuration: .init(maxMessageBytes: 20))
        let exact = #"{"food": "sandwich"}"#
        XCTAssertEqual(exact.utf8.count, 20)
        assertCategory(exact, "sandwich", decoder: limited)
        let error = assertError(exact + " ", .tooLarge, decoder: limited)
        XCTAssertNil(error?.byteOffset)

        let padded = #"{"food":"pie"}"# + String(repeating: " ", count: 65_536 - 14)
        XCTAssertEqual(padded.utf8.count, 65_536)
        assertCategory(padded, "pie")
        assertError(padded + " ", .tooLarge)
    }

    func testRejectsOneMegabyteInputAsTooLarge() {
        let big = #"{"food":"pie","pad":""# + String(repeating: "x", count: 1 << 20) + #""}"#
        assertError(big, .tooLarge)
    }

    func testChecksSizeBeforeContent() {
        assertError([UInt8](repeating: 0xFF, count: 65_537), .tooLarge)
        assertError([UInt8](repeating: 0xFF, count: 65_536), .notUTF8)
    }

    func testSmallMaxDepthLimitsNesting() {
        let flat = JSONEventDecoder(configuration: .init(maxDepth: 1))
        assertCategory(#"{"food":"x","n":1}"#, "x", decoder: flat)
        assertError(#"{"food":"x","a":[]}"#, .tooDeep, decoder: flat)
        let none = JSONEventDecoder(configuration: .init(maxDepth: 0))
        assertError(#"{"food":"x"}"#, .tooDeep, decoder: none)
        assertError(#""x""#, .notObject, decoder: none)
    }

    func testToleratesUnusualConfigurations() {
        assertCategory(#"{"": "X"}"#, "x", decoder: JSONEventDecoder(configuration: .init(field: "")))
        let noCategory = JSONEventDecoder(configuration: .init(maxCategoryBytes: 0))
        assertError(message(food: "a"), .categoryTooLong, decoder: noCategory)
        assertError(message(food: " "), .emptyCategory, decoder: noCategory)
        let noBytes = JSONEventDecoder(configuration: .init(maxMessageBytes: 0))
        assertError("{}", .tooLarge, decoder: noBytes)
        assertError([], .notJSON, decoder: noBytes)
        let negative = JSONEventDecoder(configuration: .init(maxMessageBytes: -1, maxCategoryBytes: -1, maxDepth: -1))
        assertError([], .tooLarge, decoder: negative)
        assertError(#"{"food":"x"}"#, .tooDeep, decoder: JSONEventDecoder(configuration: .init(maxDepth: -1)))
    }

    // MARK: - Tombstones and sizes

    func testTreatsNilAsTombstone() {
        assertError(nil, .tombstone)
        XCTAssertThrowsError(try decoder.decode(nil as UnsafeRawBufferPointer?)) { error in
            XCTAssertEqual((error as? EventDecodingError)?.kind, .tombstone)
        }
    }

    func testRejectsEmptyInputAsNotJSON() {
        let error = assertError([], .notJSON)
        XCTAssertEqual(error?.byteOffset, 0)
        assertError(" \n\t ", .notJSON)
    }

    // MARK: - UTF-8

    func testRejectsInvalidUTF8() {
        let cases: [(bytes: [UInt8], offset: Int)] = [
            ([0x80], 0),  // lone continuation byte
            ([0xC0, 0x80], 0),  // overlong NUL
            ([0xC1, 0xBF], 0),  // overlong
            ([0xE0, 0x80, 0x80], 0),  // overlong 3-byte
            ([0xE0, 0x9F, 0xBF], 0),  // overlong 3-byte (U+07FF)
            ([0xF0, 0x80, 0x80, 0x80], 0),  // overlong 4-byte
            ([0xF0, 0x8F, 0xBF, 0xBF], 0),  // overlong 4-byte (U+FFFF)
            ([0xED, 0xA0, 0x80], 0),  // encoded high surrogate U+D800
            ([0xED, 0xBF, 0xBF], 0),  // encoded low surrogate U+DFFF
            ([0xF4, 0x90, 0x80, 0x80], 0),  // U+110000
            ([0xF5, 0x80, 0x80, 0x80], 0),  // lead byte beyond U+10FFFF
            ([0xFE], 0),
            ([0xFF], 0),
            ([0xC3], 0),  // truncated at end
            ([0xE2, 0x82], 0),  // truncated at end
            ([0xE2, 0x82, 0x41], 0),  // truncated in the middle
            ([0xF0, 0x9F, 0x8D], 0),  // truncated 4-byte
            ([0xC3, 0x28], 0),  // bad continuation
        ]
        for (bytes, offset) in cases {
            let prefix = Array(#"{"food":"ok","x":"abcdefghij"#.utf8)
            let input = prefix + bytes + Array(#""}"#.utf8)
            let error = assertError(input, .notUTF8)
            XCTAssertEqual(error?.byteOffset, prefix.count + offset, "\(bytes)")
            assertError(bytes, .notUTF8)
        }
    }

    func testAcceptsUTF8Boundaries() {
        for scalar in ["\u{80}", "\u{7FF}", "\u{800}", "\u{D7FF}", "\u{E000}", "\u{FFFD}", "\u{10000}", "\u{10FFFF}"] {
            assertCategory(message(food: "x" + scalar), "x" + scalar)
        }
    }

    func testReportsInvalidUTF8BeforeInvalidJSON() {
        assertError([0x7B, 0x7D, 0x20, 0xFF], .notUTF8)
        assertError([0xFF] + Array("not json".utf8), .notUTF8)
    }

    // MARK: - JSON syntax

    func testRejectsMalformedJSON() {
        let cases = [
            "{", "}", "{\"food\"}", "{\"food\":}", "{\"food\":\"x\",}", "{\"food\":\"x\"} x", "{\"food\":\"x\"}}",
            "{'food':'x'}", "{food:\"x\"}", "{\"food\":\"x\" \"a\":1}", "{\"food\":\"x\"", "{\"food\":\"x",
            "{\"food\":\"x\",\"a\":[1,]}", "{\"food\":\"x\",\"a\":[,1]}", "{\"food\":\"x\",\"a\":[1 2]}",
            "{\"food\":\"x\",\"a\":tru}", "{\"food\":\"x\",\"a\":True}", "{\"food\":\"x\",\"a\":nul}",
            "{\"food\":\"x\",\"a\":NaN}", "{\"food\":\"x\",\"a\":Infinity}", "{\"food\":\"x\"} /* c */",
            "{\"food\":\"x\"}\u{0}", "{\"food\":\"x\",\"a\":[}", "{\"food\":\"x\",\"a\":{]}",
            "{\"food\":\"x\",\"a\":{\"b\"}}",
            "{\"food\":\"x\",,\"a\":1}", "{,\"food\":\"x\"}", "{\"food\":\"x\"}{}", "{\"food\"::\"x\"}",
            "\u{FEFF}{\"food\":\"x\"}", "{\"food\":\"x\",\"a\":[1]]}", "{\"food\":\"x\",\"a\":\"\\",
            "{\"food\":\"x\",\"a\":-}",
        ]
        for input in cases {
            assertError(input, .notJSON)
        }
    }

    func testRejectsNonJSONWhitespace() {
        assertError("\u{0C}{\"food\":\"x\"}", .notJSON)
        assertError("{\"food\":\"x\"}\u{0B}", .notJSON)
        assertError("\u{A0}{\"food\":\"x\"}", .notJSON)
    }

    func testRejectsInvalidNumbers() {
        for number in [
            "01", "-", "+1", ".5", "1.", "1e", "1e+", "-01", "0x10", "1.5.2", "--1", "1E+-2", "00", "-.5", "1e5.0",
            "0.e1",
        ] {
            assertError(#"{"food":"x","n":\#(number)}"#, .notJSON)
        }
    }

    func testExplainsLeadingZero() {
        let error = assertError(#"{"food":"x","n":012}"#, .notJSON)
        XCTAssertEqual(error?.byteOffset, 16)
        XCTAssertEqual(error?.message, "invalid JSON at byte 16: leading zero in number")
    }

    func testAcceptsValidNumbers() {
        for number in [
            "0", "-0", "1.5", "-1.5e10", "1E+2", "1e-2", "123456789012345678901234567890", "0.0", "1e400", "-0.0E-0",
        ] {
            assertCategory(#"{"food":"x","n":\#(number)}"#, "x")
            assertCategory(#"{"n":\#(number),"food":"x"}"#, "x")
        }
    }

    func testRejectsInvalidStrings() {
        let cases = [
            "{\"food\":\"a\tb\"}", "{\"food\":\"a\nb\"}", "{\"food\":\"a\u{1F}b\"}", "{\"food\":\"a\u{0}b\"}",
            #"{"food":"\x41"}"#, #"{"food":"\u12"}"#, #"{"food":"\u12G4"}"#, #"{"food":"\'"}"#, #"{"food":"\U0041"}"#,
            #"{"food":"x","a":"\q"}"#, "{\"food\":\"x\",\"a\":\"\u{7}\"}", "{\"fo\nod\":\"x\"}",
        ]
        for input in cases {
            assertError(input, .notJSON)
        }
    }

    func testAcceptsDeleteAndEscapedControlCharacters() {
        assertCategory("{\"food\":\"a\u{7F}b\"}", "a\u{7F}b")
        assertCategory(#"{"food":"a\u0000b\u001f"}"#, "a\u{0}b\u{1F}")
    }

    func testRejectsLoneSurrogateEscapeAsNotJSON() {
        let strings = [
            #"\ud800"#, #"\udc00"#, #"\uDBFF"#, #"\ud800\u0041"#, #"\ud800x"#, #"\udc00\ud800"#, #"\ud800\ud800"#,
            #"\ud800\"#, #"a\udfff"#,
        ]
        for string in strings {
            assertError(#"{"food":"\#(string)"}"#, .notJSON)
            assertError(#"{"food":"x","other":"\#(string)"}"#, .notJSON)
            assertError(#"{"\#(string)":1,"food":"x"}"#, .notJSON)
        }
    }

    func testAcceptsSurrogatePairEscape() {
        assertCategory(#"{"food":"\ud83c\udf70"}"#, "🍰")
        assertCategory(#"{"food":"\uDBFF\uDFFF"}"#, "\u{10FFFF}")
    }

    func testReportsByteOffsetOfSyntaxError() {
        let error = assertError(#"{"food" "x"}"#, .notJSON)
        XCTAssertEqual(error?.byteOffset, 8)
        XCTAssertEqual(error?.message, "invalid JSON at byte 8: expected ':' after object key, found '\"'")

        let trailing = assertError(#"{"food":"x",}"#, .notJSON)
        XCTAssertEqual(trailing?.byteOffset, 12)

        let truncated = assertError(#"{"food":"x""#, .notJSON)
        XCTAssertEqual(truncated?.byteOffset, 11)
        XCTAssertEqual(truncated?.message.contains("end of input"), true)
    }

    // MARK: - Nesting

    func testEnforcesMaxDepthExactly() {
        // The top-level object is depth 1, so 63 nested arrays reach depth 64.
        let ok = #"{"food":"x","a":"# + String(repeating: "[", count: 63) + String(repeating: "]", count: 63) + "}"
        assertCategory(ok, "x")
        let tooDeep = #"{"food":"x","a":"# + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        let error = assertError(tooDeep, .tooDeep)
        XCTAssertEqual(error?.byteOffset, 16 + 63)
    }

    func testRejectsDeepNestingWithoutCrashing() {
        let roomy = JSONEventDecoder(configuration: .init(maxMessageBytes: 1 << 22))
        let input = #"{"food":"x","deep":"# + String(repeating: "[", count: 100_000)
        assertError(input, .tooDeep, decoder: roomy)
        let objects = #"{"food":"x","deep":"# + String(repeating: #"{"a":"#, count: 100_000)
        assertError(objects, .tooDeep, decoder: roomy)
    }

    func testHandlesDeepNestingWhenLimitIsRaised() {
        let unlimited = JSONEventDecoder(configuration: .init(maxMessageBytes: 1 << 22, maxDepth: .max))
        let depth = 100_000
        let arrays =
            #"{"food":"x","deep":"# + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "}"
        assertCategory(arrays, "x", decoder: unlimited)
        // Alternate objects and arrays well past 64 levels to exercise the spilled container stack.
        let levels = 300
        let open = String(repeating: #"{"a":["#, count: levels)
        let close = String(repeating: "]}", count: levels)
        assertCategory(#"{"food":"x","deep":"# + open + close + "}", "x", decoder: unlimited)
        // Closing with the wrong bracket deep inside is still caught.
        let mismatched = #"{"food":"x","deep":"# + open + "}" + close.dropFirst() + "}"
        assertError(mismatched, .notJSON, decoder: unlimited)
    }

    // MARK: - Structure and field errors

    func testRejectsNonObjectTopLevel() {
        for input in ["[]", #""food""#, "42", "null", "true", "false", #"[{"food":"x"}]"#, "-1.5", " [ ] "] {
            let error = assertError(input, .notObject)
            XCTAssertNotNil(error?.byteOffset)
        }
    }

    func testReportsMissingField() {
        for input in ["{}", #"{"foo":"x"}"#, #"{"a":{"food":"x"}}"#, " { } "] {
            assertError(input, .missingField)
        }
    }

    func testRejectsDuplicateField() {
        let error = assertError(#"{"food":"a","food":"b"}"#, .duplicateField)
        XCTAssertEqual(error?.byteOffset, 12)
        assertError(#"{"food":null,"food":"a"}"#, .duplicateField)
        assertError(#"{"food":"a","x":1,"food":2,"food":3}"#, .duplicateField)
        assertCategory(#"{"food":"a","x":{"food":"b","food":"c"}}"#, "a")
    }

    func testReportsSyntaxErrorsBeforeFieldErrors() {
        assertError(#"{"food":"a","food":"b",}"#, .notJSON)
        assertError(#"{"food":42,"x":01}"#, .notJSON)
        assertError(#"[1,2"#, .notJSON)
    }

    func testRejectsNullField() {
        let error = assertError(#"{"food": null}"#, .nullField)
        XCTAssertEqual(error?.byteOffset, 9)
    }

    func testRejectsNonStringField() {
        for value in ["42", "-1.5e3", "true", "false", "{}", #"{"food":"x"}"#, "[]", #"["x"]"#] {
            assertError(#"{"food":\#(value)}"#, .fieldNotString)
        }
    }

    func testRejectsEmptyCategory() {
        for food in ["", "   ", #"\t\n\r"#, "\u{A0}", #"\u0020\u3000"#, #"\u000b\f"#] {
            assertError(message(food: food), .emptyCategory)
        }
    }

    // MARK: - Error values

    func testKindRawValuesAreStable() {
        let kinds: [(EventDecodingError.Kind, String)] = [
            (.notUTF8, "not_utf8"), (.notJSON, "not_json"), (.notObject, "not_object"),
            (.missingField, "missing_field"), (.nullField, "null_field"), (.fieldNotString, "field_not_string"),
            (.duplicateField, "duplicate_field"), (.emptyCategory, "empty_category"),
            (.categoryTooLong, "category_too_long"), (.tombstone, "tombstone"), (.tooLarge, "too_large"),
            (.tooDeep, "too_deep"),
        ]
        for (kind, rawValue) in kinds {
            XCTAssertEqual(kind.rawValue, rawValue)
            XCTAssertEqual(kind.description, rawValue)
            XCTAssertEqual(EventDecodingError.Kind(rawValue: rawValue), kind)
        }
        XCTAssertEqual(Set(kinds.map(\.0)).count, kinds.count)
    }

    func testErrorDescriptionStartsWithKind() {
        let error = assertError(#"{"food" "x"}"#, .notJSON)
        let expected = "not_json: invalid JSON at byte 8: expected ':' after object key, found '\"'"
        XCTAssertEqual(error?.description, expected)
    }

    func testErrorMessagesAreSingleLine() {
        let oddField = JSONEventDecoder(configuration: .init(field: "line\nbreak", maxCategoryBytes: 1))
        let inputs: [String] = [
            "{\"a\":\"\n\"}", "{\n", "[1,\n", "{\"line\\nbreak\":null}", "{\"line\\nbreak\":1}", "{}",
            "{\"line\\nbreak\":\"ab\"}", "{\"line\\nbreak\":\" \"}", "{\"line\\nbreak\":1,\"line\\nbreak\":2}",
        ]
        for input in inputs {
            do {
                _ = try oddField.decode(input)
                XCTFail("expected an error for \(input.debugDescription)")
            } catch {
                XCTAssertFalse(error.message.contains(where: \.isNewline), error.message)
                XCTAssertFalse(error.message.isEmpty)
            }
        }
    }
}
