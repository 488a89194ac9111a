"""Media in S3-compatible object storage (MEDIA_STORAGE_URL=s3://…, flse_hub.env).

Only what an object store can hold as metadata travels with each object: the
Content-Type and Content-Disposition that flse_hub.media decides from the stored
name, and its Cache-Control. X-Content-Type-Options and the sandbox CSP are not
object metadata on S3; the CDN or proxy in front adds them (README, "Media in object
storage"). Stored names are random (flse_hub.uploads), so nothing is ever
overwritten and saving needs no existence check: a request that stores a file makes
one PUT, and a page that shows one computes its URL without any call.

Infrastructure: knows nothing of posts or people.
"""

from storages.backends.s3 import S3Storage

from flse_hub.media import media_headers

# media_headers() names -> boto3's put_object parameters.
OBJECT_METADATA = {
    "Content-Type": "ContentType",
    "Content-Disposition": "ContentDisposition",
    "Cache-Control": "CacheControl",
}


class MediaS3Storage(S3Storage):
    def get_object_parameters(self, name):
        params = super().get_object_parameters(name)
        headers = media_headers(name)
        for header, parameter in OBJECT_METADATA.items():
            if header in headers:
                params[parameter] = headers[header]
        return params
