// Nothing is global: each page owns what it uses (the member page its one socket), so pages stay
// testable with Component() alone.
App({});
