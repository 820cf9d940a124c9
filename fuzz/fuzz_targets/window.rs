//! The calling-window parser (`WeeklyWindow::parse`, the text of a
//! campaign's `window` setting): never panics; a window it accepts prints
//! in a canonical form that parses back to the same window and prints the
//! same again.
#![no_main]

use dialcore::window::WeeklyWindow;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|spec: &str| {
    if let Ok(window) = WeeklyWindow::parse(spec) {
        let text = window.to_string();
        let again = WeeklyWindow::parse(&text)
            .unwrap_or_else(|e| panic!("canonical form {text:?} does not parse: {e}"));
        assert_eq!(again, window, "{spec:?} → {text:?}");
        assert_eq!(again.to_string(), text);
    }
});
