import FoodCountCore
import Foundation
import XCTest

/// Seeded, deterministic property test for ``JSONEventDecoder``.
///
/// Runs 1,000,000 short inputs (random bytes, mutations of a corpus, generated valid messages) and checks that every
/// outcome is either a well-formed ``FoodEvent`` or an ``EventDecodingError`` with sane contents. A subset is compared
/// against `String(validating:)` (UTF-8) and Foundation's `JSONSerialization` (JSON validity and string values).
final class JSONEventDecoderFuzzTests: XCTestCase {
    /// Change to explore other inputs; failures print the seed and the iteration to reproduce them.
    private static let seed: UInt64 = 0xF00D_C0DE_2024_0001
    private static let randomInputs = 250_000
    private static let mutatedInputs = 500_000
    private static let generatedInputs = 250_000
    /// Every n-th mutated or random input is also parsed by `JSONSerialization`.
    private static let differentialStride = 8
    /// Every n-th generated input is also parsed by `JSONSerialization`.
    private static let generatedDifferentialStride = 16

    private let decoder = JSONEventDecoder()
    /// Used for a quarter of the mutated inputs so that short inputs also reach the depth limit.
    private let shallowDecoder = JSONEventDecoder(configuration: .init(maxDepth: 3))

    func testDecoderUpholdsInvariantsOnOneMillionInputs() {
        var rng = SplitMix64(seed: Self.seed)
        var report = FailureReport(seed: Self.seed)
        var differentialChecks = 0
        let start = Date()

        for iteration in 0..<Self.randomInputs {
            let input = randomInput(&rng)
            let outcome = decode(input)
            checkInvariants(input, outcome, phase: "random", iteration: iteration, into: &report)
            if iteration % Self.differentialStride == 0 {
                differentialChecks += 1
                checkAgainstFoundation(input, outcome, phase: "random", iteration: iteration, into: &report)
            }
        }

        for iteration in 0..<Self.mutatedInputs {
            let input = mutatedInput(&rng)
            let outcome = decode(input, using: iteration % 4 == 0 ? shallowDecoder : decoder)
            checkInvariants(input, outcome, phase: "mutated", iteration: iteration, into: &report)
            if iteration % Self.differentialStride == 0 {
                differentialChecks += 1
                checkAgainstFoundation(input, outcome, phase: "mutated", iteration: iteration, into: &report)
            }
        }

        var decodedEvents = 0
        for iteration in 0..<Self.generatedInputs {
            let (input, scalars) = generatedMessage(&rng)
            let outcome = decode(input)
            checkInvariants(input, outcome, phase: "generated", iteration: iteration, into: &report)
            checkGenerated(input, scalars, outcome, iteration: iteration, into: &report)
            if case .success = outcome { decodedEvents += 1 }
            if iteration % Self.generatedDifferentialStride == 0 {
                differentialChecks += 1
                checkGeneratedAgainstFoundation(input, scalars, outcome, iteration: iteration, into: &report)
            }
        }

        let total = Self.randomInputs + Self.mutatedInputs + Self.generatedInputs
        XCTAssertGreaterThanOrEqual(total, 1_000_000)
        XCTAssertGreaterThan(decodedEvents, Self.generatedInputs / 2, "generator should mostly produce valid events")
        print(
            "fuzz: seed 0x\(String(Self.seed, radix: 16)), \(total) inputs, \(differentialChecks) differential checks, "
                + "\(decodedEvents) generated events, \(report.count) failures, "
                + "\(String(format: "%.2f", Date().timeIntervalSince(start))) s"
        )
        report.flush()
    }

    // MARK: - Decoding and invariants

    private func decode(
        _ input: [UInt8],
        using decoder: JSONEventDecoder? = nil
    ) -> Result<FoodEvent, EventDecodingError> {
        let decoder = decoder ?? self.decoder
        return Result { () throws(EventDecodingError) -> FoodEvent in try decoder.decode(input) }
    }

    private static let knownKinds: Set<EventDecodingError.Kind> = [
        .notUTF8, .notJSON, .notObject, .missingField, .nullField, .fieldNotString, .duplicateField, .emptyCategory,
        .categoryTooLong, .tombstone, .tooLarge, .tooDeep,
    ]

    private func checkInvariants(
        _ input: [UInt8],
        _ outcome: Result<FoodEvent, EventDecodingError>,
        phase: String,
        iteration: Int,
        into report: inout FailureReport
    ) {
        let isValidUTF8 = String(validating: input, as: UTF8.self) != nil
        switch outcome {
        case .success(let event):
            let category = event.category
            if category.isEmpty || category.utf8.count > 128
                || !Array(normalize(category).utf8).elementsEqual(category.utf8)
            {
                report.add(phase, iteration, input, "category \(category.debugDescription) breaks the invariants")
            }
            if !isValidUTF8 { report.add(phase, iteration, input, "decoded invalid UTF-8") }
        case .failure(let error):
            if !Self.knownKinds.contains(error.kind) || error.kind == .tombstone || error.kind == .tooLarge {
                report.add(phase, iteration, input, "unexpected kind \(error.kind)")
            }
            // Messages come from a few templates, so sampling them keeps the debug-build run time down.
            if iteration % 8 == 0
                && (error.message.isEmpty || error.message.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }))
            {
                report.add(phase, iteration, input, "bad message \(error.message.debugDescription)")
            }
            if let offset = error.byteOffset, offset < 0 || offset > input.count {
                report.add(phase, iteration, input, "byte offset \(offset) outside the input")
            }
            if (error.kind == .notUTF8) == isValidUTF8 {
                report.add(phase, iteration, input, "\(error.kind) disagrees with String(validating:) = \(isValidUTF8)")
            }
        }
    }

    /// Safe-direction differential check: whatever `JSONSerialization` rejects, the decoder must reject too, and when
    /// both accept, the categories must agree.
    private func checkAgainstFoundation(
        _ input: [UInt8],
        _ outcome: Result<FoodEvent, EventDecodingError>,
        phase: String,
        iteration: Int,
        into report: inout FailureReport
    ) {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(input))
        } catch {
            // RFC 8259 allows numbers Foundation cannot represent (such as 1e400); those are not a disagreement.
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? ""
            if case .success(let event) = outcome, !reason.contains("not representable") {
                report.add(phase, iteration, input, "JSONSerialization rejects (\(reason)) but decoded \(event)")
            }
            return
        }
        guard case .success(let event) = outcome, let food = (parsed as? [String: Any])?["food"] as? String,
            !containsBOM(input)
        else { return }
        if !Array(normalize(food).utf8).elementsEqual(event.category.utf8) {
            report.add(phase, iteration, input, "JSONSerialization food \(food.debugDescription) vs \(event)")
        }
    }

    private func checkGenerated(
        _ input: [UInt8],
        _ scalars: [Unicode.Scalar],
        _ outcome: Result<FoodEvent, EventDecodingError>,
        iteration: Int,
        into report: inout FailureReport
    ) {
        let expected = normalize(String(String.UnicodeScalarView(scalars)))
        switch outcome {
        case .success(let event):
            if expected.isEmpty || expected.utf8.count > 128 || !Array(expected.utf8).elementsEqual(event.category.utf8)
            {
                report.add("generated", iteration, input, "expected \(expected.debugDescription), got \(event)")
            }
        case .failure(let error):
            let expectedKind: EventDecodingError.Kind? =
                expected.isEmpty ? .emptyCategory : expected.utf8.count > 128 ? .categoryTooLong : nil
            if error.kind != expectedKind {
                report.add("generated", iteration, input, "expected \(expected.debugDescription), got \(error)")
            }
        }
    }

    /// Checks the generator itself (Foundation reads back the exact scalars) and the decoder against Foundation.
    private func checkGeneratedAgainstFoundation(
        _ input: [UInt8],
        _ scalars: [Unicode.Scalar],
        _ outcome: Result<FoodEvent, EventDecodingError>,
        iteration: Int,
        into report: inout FailureReport
    ) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(input)) as? [String: Any],
            let food = object["food"] as? String
        else {
            report.add("generated", iteration, input, "JSONSerialization cannot read a generated message")
            return
        }
        guard !containsBOM(input) else { return }
        if !food.unicodeScalars.elementsEqual(scalars) {
            report.add("generated", iteration, input, "JSONSerialization reads \(food.debugDescription)")
        }
        if case .success(let event) = outcome, !Array(normalize(food).utf8).elementsEqual(event.category.utf8) {
            report.add("generated", iteration, input, "JSONSerialization food \(food.debugDescription) vs \(event)")
        }
    }

    /// Whether the input contains U+FEFF, which Foundation on Linux sometimes drops from inside strings (it strips
    /// a "byte order mark" from each segment between escapes), contrary to RFC 8259. String contents of such inputs
    /// are not compared with Foundation.
    private func containsBOM(_ input: [UInt8]) -> Bool {
        input.indices.dropLast(2).contains { input[$0] == 0xEF && input[$0 + 1] == 0xBB && input[$0 + 2] == 0xBF }
    }

    /// Independent reference normalization: trim Unicode White_Space scalars, lowercase, then compose to NFC
    /// (Foundation's, as the decoder's: there is no second NFC implementation here).
    private func normalize(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var lower = 0
        var upper = scalars.count
        while lower < upper && scalars[lower].properties.isWhitespace { lower += 1 }
        while upper > lower && scalars[upper - 1].properties.isWhitespace { upper -= 1 }
        return String(String.UnicodeScalarView(scalars[lower..<upper])).lowercased()
            .precomposedStringWithCanonicalMapping
    }
}

// MARK: - Input generation

extension JSONEventDecoderFuzzTests {
    private static let corpus: [[UInt8]] = [
        #"{"food": "sandwich"}"#,
        #"{"food":"Cheese Cake","ts":1700000000,"source":"feed-1"}"#,
        #"{"ts":1,"food":" Pizza\n","m":{"a":[1,-2.5e3,true,false,null],"food":"x"}}"#,
        #"{"f\u006fod":"Soup"}"#,
        #"{"food":"Cr\u00e8me Br\u00fbl\u00e9e"}"#,
        #"{"food":"Crème Brûlée"}"#,
        #"{"food":"\ud83c\udf70 cake"}"#,
        #"{"food":"\u00a0 NBSP \u2003"}"#,
        #"{"food":"a\"b\\c\/d\b\f\n\r\t"}"#,
        #"{"food":null}"#,
        #"{"food":42}"#,
        #"{"food":["x"]}"#,
        #"{"food":"x","food":"y"}"#,
        #"{"food":""}"#,
        #"{"food":"   "}"#,
        #"[{"food":"x"}]"#,
        #""food""#,
        #"{"other":"x"}"#,
        #"{"food":"x",}"#,
        #"{"food":"\ud800"}"#,
        #"{"food":"x","n":-0.0e+0}"#,
        #"{"a":[[[{"b":{}}]]],"food":"DEEP"}"#,
        "{}",
        "[]",
        #" {"food" : "spaced" } "#,
        #"{"food":"İSTANBUL \u212a"}"#,
        #"{"food":"日本料理"}"#,
        #"{"food":"x","s":"\u0000\u001f"}"#,
        #"{"food":"x","d":[[{"e":[]}]]}"#,
        #"{"d":{"e":[[1]]},"food":"y"}"#,
    ].map { Array($0.utf8) }

    private static let jsonAlphabet = Array(#"{}[]":,-+.0123456789eEtrufalsnod \t\n\\/bu"#.utf8)
    private static let interestingBytes: [UInt8] = [
        0x00, 0x09, 0x0A, 0x0D, 0x20, 0x22, 0x2C, 0x2F, 0x30, 0x3A, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F,
        0x80, 0xBF, 0xC0,
        0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF,
    ]
    /// Ill-formed UTF-8: encoded surrogates, overlongs, beyond U+10FFFF, truncated and stray bytes.
    private static let malformedUTF8: [[UInt8]] = [
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],
        [0xF0, 0x80, 0x80, 0x80], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x8D], [0xE2, 0x82],
        [0xC3], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ]
    private static let interestingTokens: [[UInt8]] =
        [
            #"\u"#, #"\ud800"#, #"\udc00"#, #"\ud83c\udf70"#, "null", "true", "[", "]", "{", "}", #"""#, ",", ":",
            #""food":"#, "1e400", "-0", "\u{E9}", "\u{2028}", "\u{1F370}", " ",
        ].map { Array($0.utf8) } + malformedUTF8

    /// Short random byte strings, biased towards JSON punctuation so the parser gets past the first byte.
    private func randomInput(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes: [UInt8] = rng.chance(1, in: 3) ? Array(#"{"food":"#.utf8) : []
        let length = rng.below(40)
        // Only some inputs get arbitrary bytes; otherwise nearly all of them would stop at UTF-8 validation.
        let arbitraryBytes = rng.chance(1, in: 4)
        bytes.reserveCapacity(bytes.count + length)
        for _ in 0..<length {
            switch rng.below(6) {
            case 0..<3: bytes.append(rng.pick(Self.jsonAlphabet))
            case 3, 4: bytes.append(UInt8(truncatingIfNeeded: rng.below(0x80)))
            default:
                if arbitraryBytes {
                    bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                } else {
                    bytes.append(contentsOf: rng.pick(Self.interestingTokens))
                }
            }
        }
        return bytes
    }

    /// A corpus entry with one to four random mutations applied.
    private func mutatedInput(_ rng: inout SplitMix64) -> [UInt8] {
        var bytes = rng.pick(Self.corpus)
        for _ in 0...rng.below(4) {
            let position = rng.below(bytes.count + 1)
            switch rng.below(9) {
            case 0 where !bytes.isEmpty:  // bit flip
                let index = rng.below(bytes.count)
                bytes[index] ^= 1 << UInt8(rng.below(8))
            case 1 where !bytes.isEmpty:  // overwrite a byte
                bytes[rng.below(bytes.count)] =
                    rng.chance(1, in: 2) ? rng.pick(Self.interestingBytes) : rng.pick(Self.jsonAlphabet)
            case 2:  // insert a byte
                bytes.insert(
                    rng.chance(1, in: 2) ? rng.pick(Self.interestingBytes) : UInt8(truncatingIfNeeded: rng.next()),
                    at: position)
            case 3:  // insert a token
                bytes.insert(contentsOf: rng.pick(Self.interestingTokens), at: position)
            case 4 where !bytes.isEmpty:  // delete a short range
                let start = rng.below(bytes.count)
                bytes.removeSubrange(start..<min(bytes.count, start + 1 + rng.below(4)))
            case 5:  // truncate
                bytes.removeSubrange(position...)
            case 6:  // splice with another corpus entry
                let other = rng.pick(Self.corpus)
                bytes = Array(bytes[..<position]) + other[rng.below(other.count + 1)...]
            case 7 where !bytes.isEmpty:  // duplicate a chunk
                let start = rng.below(bytes.count)
                let chunk = bytes[start..<min(bytes.count, start + 1 + rng.below(8))]
                bytes.insert(contentsOf: Array(chunk), at: rng.below(bytes.count + 1))
            case 8 where bytes.count >= 2:  // swap two bytes
                bytes.swapAt(rng.below(bytes.count), rng.below(bytes.count))
            default:
                break
            }
        }
        return bytes
    }

    private static let specialScalars: [Unicode.Scalar] = [
        "\u{0}", "\u{1}", "\u{1F}", "\u{7F}", "\u{85}", "\u{A0}", "\u{E9}", "\u{C9}", "\u{DF}", "\u{130}", "\u{3A3}",
        "\u{212A}", "\u{1680}", "\u{2003}", "\u{2028}", "\u{200B}", "\u{3000}", "\u{FEFF}", "\u{301}", "\u{65E5}",
        "\u{1F370}", "\u{10FFFF}", "\u{D7FF}", "\u{E000}", "\"", "\\", "/", "\u{B}", "\u{C}",
    ]
    private static let asciiWhitespace: [Unicode.Scalar] = [" ", " ", " ", "\t", "\n", "\r"]
    private static let otherMembers = [
        #""ts":1700000000"#, #""n":-1.5e3"#, #""ok":true"#, #""x":null"#, #""arr":[1,"two",{"food":3}]"#,
        #""obj":{"food":"nested"}"#, #""s":"str\"ing""#, #""e":{}"#, #""FOOD":"upper""#,
    ]
    private static let foodKeys = [
        #""food""#, #""food""#, #""food""#, #""f\u006fod""#, #""\u0066ood""#, #""fo\u006F\u0064""#,
    ]
    private static let whitespace = ["", "", "", " ", "\n", "\t", "\r\n "]
    private static let shortEscapes: [UInt32: String] = [
        0x22: #"\""#, 0x5C: #"\\"#, 0x08: #"\b"#, 0x0C: #"\f"#, 0x0A: #"\n"#, 0x0D: #"\r"#, 0x09: #"\t"#,
    ]

    /// A valid message with a random `food` string; returns the bytes and the exact scalars of that string.
    private func generatedMessage(_ rng: inout SplitMix64) -> (bytes: [UInt8], scalars: [Unicode.Scalar]) {
        var scalars: [Unicode.Scalar] = []
        if rng.chance(1, in: 50) {
            // Around the length limit: 124...133 letters, sometimes padded with whitespace.
            for _ in 0..<(124 + rng.below(10)) {
                scalars.append(Unicode.Scalar(UInt8(0x41 + rng.below(26)) | 0x20 * UInt8(rng.below(2))))
            }
            if rng.chance(1, in: 2) { scalars.append(" ") }
        } else {
            for _ in 0..<rng.below(11) {
                switch rng.below(20) {
                case 0..<12: scalars.append(Unicode.Scalar(UInt8(0x41 + rng.below(26)) | 0x20 * UInt8(rng.below(2))))
                case 12..<15: scalars.append(rng.pick(Self.asciiWhitespace))
                default: scalars.append(rng.pick(Self.specialScalars))
                }
            }
        }

        var value = "\""
        for scalar in scalars { value += encode(scalar, &rng) }
        value += "\""

        var members = (0..<rng.below(4)).map { _ in rng.pick(Self.otherMembers) }
        members.insert(
            rng.pick(Self.foodKeys) + rng.pick(Self.whitespace) + ":" + rng.pick(Self.whitespace) + value,
            at: rng.below(members.count + 1))
        var text = rng.pick(Self.whitespace) + "{"
        for (index, member) in members.enumerated() {
            text += (index == 0 ? "" : ",") + rng.pick(Self.whitespace) + member + rng.pick(Self.whitespace)
        }
        text += "}" + rng.pick(Self.whitespace)
        return (Array(text.utf8), scalars)
    }

    /// Encodes one scalar inside a JSON string, randomly choosing between raw UTF-8 and the available escapes.
    private func encode(_ scalar: Unicode.Scalar, _ rng: inout SplitMix64) -> String {
        let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
        if mustEscape && rng.chance(1, in: 2), let short = Self.shortEscapes[scalar.value] { return short }
        if scalar == "/" && rng.chance(1, in: 3) { return #"\/"# }
        guard mustEscape || rng.chance(1, in: 6) else { return String(scalar) }
        func unit(_ value: UInt32, _ rng: inout SplitMix64) -> String {
            let hex = String(value, radix: 16, uppercase: rng.chance(1, in: 2))
            return #"\u"# + String(repeating: "0", count: 4 - hex.count) + hex
        }
        guard scalar.value > 0xFFFF else { return unit(scalar.value, &rng) }
        let offset = scalar.value - 0x1_0000
        return unit(0xD800 + (offset >> 10), &rng) + unit(0xDC00 + (offset & 0x3FF), &rng)
    }
}

// MARK: - Support

/// SplitMix64: a tiny, fast, deterministic pseudo-random generator.
private struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound`; `bound` must be positive.
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    mutating func chance(_ numerator: Int, in denominator: Int) -> Bool {
        below(denominator) < numerator
    }

    mutating func pick<Element>(_ elements: [Element]) -> Element {
        elements[below(elements.count)]
    }
}

/// Collects the first few failures with everything needed to reproduce them, then reports them to XCTest.
private struct FailureReport {
    let seed: UInt64
    private(set) var count = 0
    private var messages: [String] = []

    init(seed: UInt64) {
        self.seed = seed
    }

    mutating func add(_ phase: String, _ iteration: Int, _ input: [UInt8], _ problem: String) {
        count += 1
        guard messages.count < 20 else { return }
        let hex = input.map { String($0, radix: 16) }.joined(separator: " ")
        let text = String(decoding: input, as: UTF8.self).debugDescription
        messages.append(
            "seed 0x\(String(seed, radix: 16)), \(phase) #\(iteration): \(problem)\n  input \(text)\n  bytes [\(hex)]"
        )
    }

    func flush(file: StaticString = #filePath, line: UInt = #line) {
        for message in messages { XCTFail(message, file: file, line: line) }
        if count > messages.count {
            XCTFail(
                "\(count - messages.count) more failures (seed 0x\(String(seed, radix: 16)))", file: file, line: line)
        }
    }
}
