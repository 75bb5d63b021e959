//! Writing decimal digits fast: what the JSON writer and the calendar writers share.

/// The decimal digits of `value`, zero-padded to at least `width`. (The `fmt` machinery is
/// several times slower, and a million items have twenty numbers each.)
pub fn push_digits(out: &mut Vec<u8>, value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut start = buf.len();
    let mut rest = value;
    loop {
        start -= 1;
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = start.min(buf.len().saturating_sub(width));
    out.extend_from_slice(&buf[start..]);
}
