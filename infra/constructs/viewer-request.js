// CloudFront Function (cloudfront-js-2.0) run on every viewer request to the report site.
// It refuses addresses outside the allow-list when there is one (the site is private data about
// a company's repositories), then maps directory URLs to their index.html: S3 behind Origin
// Access Control serves keys, not folders. report-site.ts fills in ALLOWED_CIDRS at synth.
var ALLOWED_CIDRS = [];

function parseIpv4(text) {
  var parts = text.split('.');
  if (parts.length !== 4) return null;
  var bytes = [];
  for (var i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]) || Number(parts[i]) > 255) return null;
    bytes.push(Number(parts[i]));
  }
  return bytes;
}

function parseGroups(text) {
  if (text === '') return [];
  var items = text.split(':');
  var groups = [];
  for (var i = 0; i < items.length; i++) {
    if (i === items.length - 1 && items[i].indexOf('.') !== -1) {
      var v4 = parseIpv4(items[i]);
      if (v4 === null) return null;
      groups.push(v4[0] * 256 + v4[1], v4[2] * 256 + v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(items[i])) {
      groups.push(parseInt(items[i], 16));
    } else {
      return null;
    }
  }
  return groups;
}

function parseIpv6(text) {
  var halves = text.split('::');
  if (halves.length > 2) return null;
  var head = parseGroups(halves[0]);
  var tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (head === null || tail === null) return null;
  var missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  var groups = head.slice();
  for (var i = 0; i < missing; i++) groups.push(0);
  groups = groups.concat(tail);
  var bytes = [];
  for (var j = 0; j < 8; j++) bytes.push(groups[j] >> 8, groups[j] & 0xff);
  // An IPv4-mapped address (::ffff:192.0.2.1) is the IPv4 address.
  var mapped = bytes.slice(0, 10).every(function (b) { return b === 0; }) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

function parseAddress(text) {
  return text.indexOf(':') === -1 ? parseIpv4(text) : parseIpv6(text);
}

function inCidr(address, cidr) {
  var slash = cidr.indexOf('/');
  var network = parseAddress(cidr.slice(0, slash));
  var bits = Number(cidr.slice(slash + 1));
  if (network === null || network.length !== address.length) return false;
  for (var i = 0; i < network.length && bits > 0; i++, bits -= 8) {
    var mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((address[i] & mask) !== (network[i] & mask)) return false;
  }
  return true;
}

function allowed(ip) {
  if (ALLOWED_CIDRS.length === 0) return true;
  var address = parseAddress(ip);
  return address !== null && ALLOWED_CIDRS.some(function (cidr) { return inCidr(address, cidr); });
}

// CloudFront calls the function named handler.
// eslint-disable-next-line no-unused-vars
function handler(event) {
  var request = event.request;
  if (!allowed(event.viewer.ip)) {
    return {
      statusCode: 403,
      statusDescription: 'Forbidden',
      headers: { 'content-type': { value: 'text/plain; charset=utf-8' }, 'cache-control': { value: 'no-store' } },
      body: { encoding: 'text', data: 'This report is only served to allowed networks.\n' },
    };
  }
  var uri = request.uri;
  if (uri.endsWith('/')) {
    request.uri = uri + 'index.html';
  } else if (uri.slice(uri.lastIndexOf('/') + 1).indexOf('.') === -1) {
    // The site's links end in "/"; a folder asked for without it gets the canonical URL.
    return { statusCode: 301, statusDescription: 'Moved Permanently', headers: { location: { value: uri + '/' } } };
  }
  return request;
}
