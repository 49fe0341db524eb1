//! Each rule against its Go fixtures: every `// want` found, nothing else.

use httpvet_tests::check_fixture;

#[test]
fn hv001_writer_escapes_handler() {
    check_fixture("hv001");
}

#[test]
fn hv002_request_without_context() {
    check_fixture("hv002");
}

#[test]
fn hv003_abandoned_unbuffered_send() {
    check_fixture("hv003");
}

#[test]
fn hv004_shutdown_without_deadline() {
    check_fixture("hv004");
}

#[test]
fn hv005_body_read_after_return() {
    check_fixture("hv005");
}

#[test]
fn hv006_request_retained() {
    check_fixture("hv006");
}

#[test]
fn hv007_unsynchronized_map_write() {
    check_fixture("hv007");
}

#[test]
fn hv008_shared_unsafe_writer() {
    check_fixture("hv008");
}

#[test]
fn hv009_superfluous_write_header() {
    check_fixture("hv009");
}

#[test]
fn hv010_write_under_lock() {
    check_fixture("hv010");
}

#[test]
fn hv011_hijacked_conn_leak() {
    check_fixture("hv011");
}

#[test]
fn hv012_mixed_atomic_access() {
    check_fixture("hv012");
}

/// The suppression fixture: `//httpvet:ignore` silences what it names.
#[test]
fn suppression_comments() {
    check_fixture("suppress");
}
