package cfntemplate

import "strings"

// layer translates an AWS::Serverless::LayerVersion into an
// AWS::Lambda::LayerVersion whose logical ID carries a hash of the SAM
// resource (so a change publishes a new version while DeletionPolicy
// Retain keeps the old one); references to the old ID are rewritten.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-layerversion.html
func (s *sam) layer(id string, res *Node) ([]Field, *samError) {
	props := res.Get("Properties")
	if props == nil {
		props = NewMap()
	}
	if err := checkProps(id, "AWS::Serverless::LayerVersion", props, samLayerProps()); err != nil {
		return nil, err
	}
	// LayerName, LicenseInfo, Description and RetentionPolicy may Ref
	// parameters; the translator resolves them before anything else.
	props = props.Clone()
	for _, k := range []string{"LayerName", "LicenseInfo", "Description", "RetentionPolicy"} {
		v := present(props, k)
		if v == nil || isFalsy(v) {
			continue
		}
		r, err := s.resolveParams(v)
		if err != nil {
			return nil, err
		}
		if !r.IsString() && !isDictValue(r) {
			return nil, invalidResource(id, "Could not resolve parameter for '%s' or parameter is not a String.", k)
		}
		props.Set(k, r)
	}
	attrs := passthroughAttributes(res)
	if !res.Has("DeletionPolicy") {
		attrs = append(attrs, Field{"DeletionPolicy", NewString("Retain")})
	}
	if rp := present(props, "RetentionPolicy"); rp != nil {
		const options = "['Retain', 'Delete']"
		switch {
		case rp.Kind == KindFunc:
			return nil, invalidResource(id, "'RetentionPolicy' does not accept intrinsic functions, please use one of the following options: %s", options)
		case !rp.IsString():
			return nil, invalidResource(id, "Invalid 'RetentionPolicy' type, please use one of the following options: %s", options)
		}
		var policy string
		for _, o := range []string{"Retain", "Delete"} {
			if strings.EqualFold(rp.Str, o) {
				policy = o
			}
		}
		if policy == "" {
			return nil, invalidResource(id, "'RetentionPolicy' must be one of the following options: %s.", options)
		}
		for i := range attrs {
			if attrs[i].Key == "DeletionPolicy" {
				attrs[i].Value = NewString(policy)
			}
		}
	}

	// The hash covers the SAM resource itself, minus the attributes that
	// do not change what is published.
	hashed := NewMap()
	hashed.Set("Type", NewString("AWS::Serverless::LayerVersion"))
	if d := res.Get("DependsOn"); d != nil {
		hashed.Set("DependsOn", d.Clone())
	}
	for _, a := range resourceAttributes(res) {
		switch a.Key {
		case "DeletionPolicy", "UpdateReplacePolicy", "Metadata":
			continue
		}
		hashed.Set(a.Key, a.Value)
	}
	hp := NewMap()
	for _, spec := range samLayerProps() {
		if v := present(props, spec.name); v != nil {
			hp.Set(spec.name, v.Clone())
		}
	}
	hashed.Set("Properties", hp)
	wrapper := NewMap()
	wrapper.Set(id, hashed)
	newID := samLogicalID(id, wrapper, "")
	s.changedIDs[id] = newID

	p := NewMap()
	content, err := s3Location(newID, "ContentUri", present(props, "ContentUri"))
	if err != nil {
		return nil, err
	}
	p.Set("Content", content)
	setIf(p, "Description", present(props, "Description"))
	if name := present(props, "LayerName"); name != nil && !isFalsy(name) {
		p.Set("LayerName", name.Clone())
	} else {
		p.Set("LayerName", NewString(id))
	}
	archs := present(props, "CompatibleArchitectures")
	setIf(p, "CompatibleArchitectures", archs)
	if archs.IsList() {
		for _, a := range archs.Items {
			if a.Kind != KindFunc && !(a.IsString() && (a.Str == "x86_64" || a.Str == "arm64")) {
				return nil, invalidResource(newID, "CompatibleArchitectures needs to be a list of 'x86_64' or 'arm64'")
			}
		}
	}
	setIf(p, "CompatibleRuntimes", present(props, "CompatibleRuntimes"))
	setIf(p, "LicenseInfo", present(props, "LicenseInfo"))
	return []Field{{newID, cfnResource("AWS::Lambda::LayerVersion", res.Get("DependsOn"), attrs, p)}}, nil
}
