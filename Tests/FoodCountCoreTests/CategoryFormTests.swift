import FoodCountCore
import XCTest

final class CategoryFormTests: XCTestCase {
    func testASCIIIsReturnedAsItIs() {
        for length in 0..<40 {
            let text = String(repeating: "a", count: length)
            XCTAssertEqual(CategoryForm.canonical(text), text)
            XCTAssertTrue(CategoryForm.isCanonical(text))
        }
    }

    /// The ASCII check reads eight bytes at a time, then the tail: a decomposed letter at any position, in a
    /// word or in the tail, is composed.
    func testADecomposedLetterAnywhereIsComposed() {
        for prefix in 0..<20 {
            for suffix in [0, 1, 7, 8, 9] {
                let before = String(repeating: "x", count: prefix)
                let after = String(repeating: "y", count: suffix)
                let decomposed = before + "e\u{301}" + after
                let composed = CategoryForm.canonical(decomposed)

                XCTAssertEqual(Array(composed.utf8), Array((before + "\u{E9}" + after).utf8), "at \(prefix)+\(suffix)")
                XCTAssertFalse(CategoryForm.isCanonical(decomposed))
                XCTAssertTrue(CategoryForm.isCanonical(composed))
            }
        }
    }
}
