// The report site: a private bucket the site builder syncs into, served only through
// CloudFront (Origin Access Control, HTTPS, strict security headers), with an optional IP
// allow-list and custom domain from cratewatch.toml's [site] table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { contentSecurityPolicy, inlineHashes } from './content-security-policy.ts';

const VIEWER_REQUEST_SOURCE = join(import.meta.dirname, 'viewer-request.js');
const CIDRS_PLACEHOLDER = 'var ALLOWED_CIDRS = [];';

/** CloudFront Functions' limit on a function's code. */
const MAX_FUNCTION_BYTES = 10 * 1024;

/** The viewer-request function's code with the allow-list filled in (empty: everyone may see the site). */
export function viewerRequestCode(allowCidrs: readonly string[]): string {
  const source = readFileSync(VIEWER_REQUEST_SOURCE, 'utf8');
  if (!source.includes(CIDRS_PLACEHOLDER)) throw new Error(`${VIEWER_REQUEST_SOURCE} lost its line "${CIDRS_PLACEHOLDER}", which the allow-list replaces`);
  const code = source.replace(CIDRS_PLACEHOLDER, `var ALLOWED_CIDRS = ${JSON.stringify(allowCidrs)};`);
  const bytes = Buffer.byteLength(code);
  if (bytes > MAX_FUNCTION_BYTES) {
    throw new Error(`[site] allow_cidrs has ${allowCidrs.length} ranges, which make the viewer-request function ${bytes} bytes, over CloudFront's ${MAX_FUNCTION_BYTES}: merge ranges, or put a WAF IP set in front of the distribution instead`);
  }
  return code;
}

export interface ReportSiteProps {
  /** The Astro project, whose inline scripts the Content-Security-Policy allows by hash. */
  siteDir: string;
  logsBucket: IBucket;
  /** Custom domain and its ACM certificate (us-east-1); both or neither. */
  domain: string | null;
  certificateArn: string | null;
  /** Viewer addresses allowed to see the site; empty for everyone. */
  allowCidrs: readonly string[];
}

export class ReportSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://` and the custom domain, or CloudFront's own domain name. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ReportSiteProps) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 's3/site/',
    });

    const viewerRequest = new CloudFrontFunction(this, 'ViewerRequest', {
      code: FunctionCode.fromInline(viewerRequestCode(props.allowCidrs)),
      runtime: FunctionRuntime.JS_2_0,
      comment: props.allowCidrs.length > 0 ? 'cratewatch: IP allow-list, directory index' : 'cratewatch: directory index',
    });

    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'cratewatch report: CSP with the inline scripts by hash, HSTS, no sniffing, no framing',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(inlineHashes(props.siteDir)), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: false, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // Page URLs name repositories and advisories: links out carry no path.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.SAME_ORIGIN, override: true },
      },
    });

    const custom = props.domain !== null && props.certificateArn !== null;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'cratewatch report',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        compress: true,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: viewerRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      defaultRootObject: 'index.html',
      // Without s3:ListBucket, S3 answers 403 for a missing key: both are the site's 404 page.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(1) })),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.logsBucket,
      logFilePrefix: 'cloudfront/',
      ...(custom
        ? {
            domainNames: [props.domain!],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn!),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    this.url = `https://${custom ? props.domain! : this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'Who may see the report is decided by the IP allow-list ([site] allow_cidrs, in the viewer-request function), not by country.' },
      { id: 'AwsSolutions-CFR2', reason: 'A WAF web ACL costs more than the rest of the stack; the viewer-request function enforces the IP allow-list, and the site is static and read-only.' },
    );
    if (!custom) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason: "Without a custom domain the distribution uses CloudFront's default certificate, whose minimum protocol CloudFront fixes; with [site] domain and certificate_arn it is TLS 1.2 (2021).",
      });
    }
  }
}
