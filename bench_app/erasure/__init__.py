"""Erasure, the bench's first promise to donors (NIST SP 800-88 Rev. 1, IEEE 2883): the
overwrite and verification passes of a Clear, the drive's own Purge commands, the safety
rules that keep the station's own disks out of reach, the drive and phone erasure
pipelines, the one verdict both end with, and the erasure record a certificate is made
from. Talking to the drives and phones lives in devices/; the certificate itself in output/."""
