extension Result {
    /// The error, if it is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
