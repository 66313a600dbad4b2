//! Who is on the other end: the client address that rate limits and log lines use. The TCP peer,
//! unless the peer is a proxy the operator trusts, in which case `X-Forwarded-For` names it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use ipnet::IpNet;

/// The client address of a request, set once by [`resolve_client`] for everything after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The proxies whose `X-Forwarded-For` is believed (`--trusted-proxies`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    ranges: Vec<IpNet>,
}

impl TrustedProxies {
    /// Addresses (`10.0.0.7`) or ranges (`10.0.0.0/8`); a malformed entry is an error, so that a
    /// typo never silently trusts nobody (or everybody).
    pub fn parse(entries: &[String]) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for entry in entries.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let range = match entry.parse::<IpNet>() {
                Ok(net) => net,
                Err(_) => entry
                    .parse::<IpAddr>()
                    .map(IpNet::from)
                    .map_err(|_| format!("{entry:?} is neither an IP address nor a CIDR range"))?,
            };
            ranges.push(range);
        }
        Ok(Self { ranges })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.ranges.iter().any(|range| range.contains(&ip))
    }

    /// The client: the peer, or, when the peer is trusted, the right-most `X-Forwarded-For`
    /// entry that is not itself a trusted proxy (entries further left are the client's to write).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for entry in entries.into_iter().rev() {
            // A garbled entry ends what can be believed: everything left of it is unknown.
            let Ok(ip) = entry.parse::<IpAddr>().map(canonical) else {
                break;
            };
            if !self.contains(ip) {
                return ip;
            }
        }
        peer
    }
}

/// `::ffff:1.2.3.4` is `1.2.3.4`: one client, one rate-limit bucket.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// Resolves the client address once and stores it as a [`ClientIp`] extension (the request
/// [`crate::envelope`] calls this first). Without a TCP peer (a `oneshot` in tests) the
/// address is `0.0.0.0`.
pub fn resolve_client(trusted: &TrustedProxies, request: &mut Request) {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let client = trusted.client_ip(peer, request.headers());
    request.extensions_mut().insert(ClientIp(client));
}

/// The client address stored by [`resolve_client`].
pub fn client_ip(request: &Request) -> IpAddr {
    request
        .extensions()
        .get::<ClientIp>()
        .map(|ClientIp(ip)| *ip)
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in xff {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_ignored_from_untrusted_peers() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("203.0.113.9"), &headers(&["1.1.1.1"])),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn trusted_proxies_pass_the_rightmost_untrusted_hop() {
        let trusted = TrustedProxies::parse(&["10.0.0.0/8".into(), "192.0.2.1".into()]).unwrap();
        // The client wrote "6.6.6.6" itself; the proxy appended the address it saw.
        let h = headers(&["6.6.6.6, 198.51.100.4", "10.1.2.3"]);
        assert_eq!(trusted.client_ip(ip("192.0.2.1"), &h), ip("198.51.100.4"));
        // Only proxies in the chain: the left-most one is all we know.
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), &headers(&["10.9.9.9"])),
            ip("10.0.0.1")
        );
        // Garbage ends the chain: the peer it is, or the last hop right of it.
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), &headers(&["nonsense"])),
            ip("10.0.0.1")
        );
        assert_eq!(
            trusted.client_ip(ip("10.0.0.1"), &headers(&["1.2.3.4, x, 198.51.100.5"])),
            ip("198.51.100.5")
        );
        assert_eq!(
            trusted.client_ip(ip("::ffff:10.0.0.1"), &headers(&["198.51.100.7"])),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn malformed_proxy_entries_are_errors() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(TrustedProxies::parse(&["proxy.internal".into()]).is_err());
        assert!(
            TrustedProxies::parse(&[" ".into()])
                .unwrap()
                .ranges
                .is_empty()
        );
    }
}
