package s3

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

type objectAttributesXML struct {
	XMLName      xml.Name        `xml:"GetObjectAttributesResponse"`
	Xmlns        string          `xml:"xmlns,attr"`
	ETag         string          `xml:"ETag,omitempty"`
	Checksum     *checksumXML    `xml:"Checksum,omitempty"`
	ObjectParts  *objectPartsXML `xml:"ObjectParts,omitempty"`
	StorageClass string          `xml:"StorageClass,omitempty"`
	ObjectSize   *int64          `xml:"ObjectSize,omitempty"`
}

type checksumXML struct {
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
	ChecksumType      string `xml:"ChecksumType,omitempty"`
}

type objectPartsXML struct {
	TotalPartsCount      int             `xml:"PartsCount"`
	PartNumberMarker     int             `xml:"PartNumberMarker"`
	NextPartNumberMarker int             `xml:"NextPartNumberMarker"`
	MaxParts             int             `xml:"MaxParts"`
	IsTruncated          bool            `xml:"IsTruncated"`
	Parts                []objectPartXML `xml:"Part"`
}

type objectPartXML struct {
	PartNumber int   `xml:"PartNumber"`
	Size       int64 `xml:"Size"`
}

// objectAttributeNames are the values x-amz-object-attributes takes
// (Amazon S3 API Reference, GetObjectAttributes).
var objectAttributeNames = map[string]bool{"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true}

// getObjectAttributes answers GetObjectAttributes (Amazon S3 API
// Reference, GetObjectAttributes): the attributes x-amz-object-attributes
// names, with s3:GetObject and s3:GetObjectAttributes both allowed, an
// SSE-C object's key as for GetObject. ETag comes unquoted; ObjectParts
// lists a multipart object's parts (number and size) a page at a time
// (x-amz-max-parts, x-amz-part-number-marker) and is absent for an object
// written in one piece.
func (s *Service) getObjectAttributes(q *request) error {
	b, pol, err := s.requireBucket(q.bucket)
	if err != nil {
		return err
	}
	vid, vset, err := versionParam(q)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, v := range q.r.Header.Values("X-Amz-Object-Attributes") {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a != "" {
				if !objectAttributeNames[a] {
					return errInvalidArgument("Invalid attribute name specified.", "x-amz-object-attributes", a)
				}
				want[a] = true
			}
		}
	}
	if len(want) == 0 {
		return errInvalidArgument("The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty", "x-amz-object-attributes", "")
	}
	maxParts, marker := 1000, 0
	if v := q.r.Header.Get("X-Amz-Max-Parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided max-parts not an integer or within integer range", "max-parts", v)
		}
		maxParts = min(n, 1000)
	}
	if v := q.r.Header.Get("X-Amz-Part-Number-Marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errInvalidArgument("Provided part-number-marker not an integer or within integer range", "part-number-marker", v)
		}
		marker = n
	}
	// A version's attributes need s3:GetObjectVersionAttributes and
	// s3:GetObjectVersion (Amazon S3 API Reference, GetObjectAttributes).
	action := "s3:GetObjectAttributes"
	if vset {
		action = "s3:GetObjectVersionAttributes"
	}
	if err := s.authorize(q, action, b, pol, q.key, nil); err != nil {
		return err
	}
	o, err := s.readableObject(q, b, pol, q.key, versionRef{vid, vset})
	if err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), b, o)
	if err := readEncryption(q.r.Header, ssecPrefix, o.SSEC); err != nil {
		return err
	}
	res := objectAttributesXML{Xmlns: xmlns}
	if want["ETag"] {
		res.ETag = strings.Trim(o.ETag, `"`)
	}
	if want["Checksum"] {
		c := o.Checksums
		if x := (checksumXML{ChecksumCRC32: c.CRC32, ChecksumCRC32C: c.CRC32C, ChecksumCRC64NVME: c.CRC64NVME, ChecksumSHA1: c.SHA1, ChecksumSHA256: c.SHA256, ChecksumType: c.Type}); x != (checksumXML{ChecksumType: c.Type}) {
			res.Checksum = &x
		}
	}
	if want["ObjectParts"] && o.PartsCount > 0 {
		p := &objectPartsXML{TotalPartsCount: o.PartsCount, PartNumberMarker: marker, MaxParts: maxParts}
		for i, size := range o.PartSizes {
			n := i + 1
			if n <= marker {
				continue
			}
			if len(p.Parts) == maxParts {
				p.IsTruncated = true
				break
			}
			p.Parts = append(p.Parts, objectPartXML{PartNumber: n, Size: size})
			p.NextPartNumberMarker = n
		}
		res.ObjectParts = p
	}
	if want["StorageClass"] {
		res.StorageClass = o.StorageClass
		if res.StorageClass == "" {
			res.StorageClass = "STANDARD"
		}
	}
	if want["ObjectSize"] {
		size := o.Size
		res.ObjectSize = &size
	}
	q.w.Header().Set("Last-Modified", o.LastModified.Format(http.TimeFormat))
	return q.writeXML(http.StatusOK, res)
}
