package cfntemplate

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParameterDecl is one entry of the Parameters section.
type ParameterDecl struct {
	Name        string
	Type        string
	Description string
	// Default is the default value; HasDefault tells an empty default from
	// none.
	Default    string
	HasDefault bool
	NoEcho     bool

	AllowedValues         []string
	AllowedPattern        string
	ConstraintDescription string
	MinLength, MaxLength  *int
	MinValue, MaxValue    *float64

	Pos Pos
}

// IsList reports whether the parameter's value is a list: CommaDelimitedList,
// List<...> and SSM parameters of list type.
func (p ParameterDecl) IsList() bool {
	return isListType(p.Type)
}

func isListType(t string) bool {
	return t == "CommaDelimitedList" || strings.HasPrefix(t, "List<") ||
		t == "AWS::SSM::Parameter::Value<CommaDelimitedList>" ||
		strings.HasPrefix(t, "AWS::SSM::Parameter::Value<List<")
}

func isNumberType(t string) bool { return t == "Number" || t == "List<Number>" }

var awsParamTypeRE = regexp.MustCompile(`^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+(::[A-Za-z0-9]+)*$`)

// validParameterType reports whether t is a parameter type CloudFormation
// accepts. AWS-specific types (AWS::EC2::VPC::Id, ...) are treated as
// strings; their values are not checked against the account.
func validParameterType(t string) bool {
	switch t {
	case "String", "Number", "List<Number>", "CommaDelimitedList":
		return true
	}
	if strings.HasPrefix(t, "List<") && strings.HasSuffix(t, ">") {
		return awsParamTypeRE.MatchString(t[5 : len(t)-1])
	}
	if strings.HasPrefix(t, "AWS::SSM::Parameter::Value<") && strings.HasSuffix(t, ">") {
		inner := t[len("AWS::SSM::Parameter::Value<") : len(t)-1]
		return inner == "String" || inner == "CommaDelimitedList" || inner == "List<String>" || validParameterType(inner)
	}
	return awsParamTypeRE.MatchString(t)
}

// parameterKeys are the properties a parameter declaration may have.
func parameterKey(k string) bool {
	switch k {
	case "Type", "Default", "Description", "NoEcho", "AllowedValues", "AllowedPattern",
		"ConstraintDescription", "MinLength", "MaxLength", "MinValue", "MaxValue":
		return true
	}
	return false
}

var alnumRE = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// Parameters returns the declared parameters in template order, checking
// each declaration as ValidateTemplate does.
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
func (t *Template) Parameters() ([]ParameterDecl, error) {
	sec := t.Section("Parameters")
	if sec == nil {
		return nil, nil
	}
	if !sec.IsMap() {
		return nil, formatErrorf(sec.Pos, "Parameters must be an object")
	}
	out := make([]ParameterDecl, 0, len(sec.Fields))
	for _, f := range sec.Fields {
		if !alnumRE.MatchString(f.Key) {
			return nil, formatErrorf(f.Value.Pos, "Parameter name %s is non alphanumeric.", f.Key)
		}
		d, err := parseParameterDecl(f.Key, f.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func parseParameterDecl(name string, n *Node) (ParameterDecl, error) {
	d := ParameterDecl{Name: name, Pos: n.Pos}
	if !n.IsMap() {
		return d, formatErrorf(n.Pos, "Every Parameters object must contain a Type member.")
	}
	for _, f := range n.Fields {
		if !parameterKey(f.Key) {
			return d, formatErrorf(f.Value.Pos, "Invalid template parameter property '%s'", f.Key)
		}
	}
	typ := n.Get("Type")
	if typ == nil {
		return d, formatErrorf(n.Pos, "Every Parameters object must contain a Type member.")
	}
	if !typ.IsString() || !validParameterType(typ.Str) {
		s, _ := typ.Scalar()
		return d, formatErrorf(typ.Pos, "Unrecognized parameter type: %s", s)
	}
	d.Type = typ.Str
	str := func(key string) (string, bool, error) {
		v := n.Get(key)
		if v == nil {
			return "", false, nil
		}
		if s, ok := v.Scalar(); ok {
			return s, true, nil
		}
		if v.IsList() && key == "Default" {
			parts := make([]string, 0, len(v.Items))
			for _, it := range v.Items {
				s, ok := it.Scalar()
				if !ok {
					return "", false, formatErrorf(it.Pos, "Every Default member must be a string.")
				}
				parts = append(parts, s)
			}
			return strings.Join(parts, ","), true, nil
		}
		return "", false, formatErrorf(v.Pos, "Every %s member must be a string.", key)
	}
	var err error
	if d.Default, d.HasDefault, err = str("Default"); err != nil {
		return d, err
	}
	if d.Description, _, err = str("Description"); err != nil {
		return d, err
	}
	if d.AllowedPattern, _, err = str("AllowedPattern"); err != nil {
		return d, err
	}
	if d.ConstraintDescription, _, err = str("ConstraintDescription"); err != nil {
		return d, err
	}
	if s, ok, err := str("NoEcho"); err != nil {
		return d, err
	} else if ok {
		d.NoEcho = strings.EqualFold(s, "true")
	}
	if av := n.Get("AllowedValues"); av != nil {
		if !av.IsList() {
			return d, formatErrorf(av.Pos, "Every AllowedValues member must be a list.")
		}
		for _, it := range av.Items {
			s, ok := it.Scalar()
			if !ok {
				return d, formatErrorf(it.Pos, "Every AllowedValues member must be a string.")
			}
			d.AllowedValues = append(d.AllowedValues, s)
		}
	}
	for _, k := range []struct {
		key string
		dst **int
	}{{"MinLength", &d.MinLength}, {"MaxLength", &d.MaxLength}} {
		s, ok, err := str(k.key)
		if err != nil {
			return d, err
		}
		if ok {
			i, perr := strconv.Atoi(s)
			if perr != nil {
				return d, formatErrorf(n.Get(k.key).Pos, "Invalid %s value '%s' for parameter %s", k.key, s, name)
			}
			*k.dst = &i
		}
	}
	for _, k := range []struct {
		key string
		dst **float64
	}{{"MinValue", &d.MinValue}, {"MaxValue", &d.MaxValue}} {
		s, ok, err := str(k.key)
		if err != nil {
			return d, err
		}
		if ok {
			f, perr := strconv.ParseFloat(s, 64)
			if perr != nil {
				return d, formatErrorf(n.Get(k.key).Pos, "Invalid %s value '%s' for parameter %s", k.key, s, name)
			}
			*k.dst = &f
		}
	}
	return d, nil
}

// ParameterValue is a parameter's value after binding.
type ParameterValue struct {
	Key string
	// Value is the text given (or the default). Callers rendering it (for
	// DescribeStacks) must mask it when NoEcho is set.
	Value  string
	NoEcho bool
	// UsedDefault reports whether the default was taken.
	UsedDefault bool
}

// check validates value against the declaration and returns the value as
// Ref sees it: a string, or []string for list types.
// Messages follow CloudFormation's: "Parameter 'X' must be one of
// AllowedValues", "Parameter 'X' must match pattern P", and, when the
// declaration has a ConstraintDescription, "Parameter X failed to satisfy
// constraint: <ConstraintDescription>".
func (d ParameterDecl) check(value string) (any, error) {
	var members []string
	if d.IsList() {
		members = []string{}
		if value != "" {
			for _, m := range strings.Split(value, ",") {
				members = append(members, strings.TrimSpace(m))
			}
		}
	} else {
		members = []string{value}
	}
	for _, m := range members {
		if err := d.checkMember(m); err != nil {
			return nil, err
		}
	}
	if d.IsList() {
		return members, nil
	}
	return value, nil
}

func (d ParameterDecl) checkMember(v string) error {
	fail := func(format string, args ...any) error {
		if d.ConstraintDescription != "" {
			return validationf(d.Pos, "Parameter %s failed to satisfy constraint: %s", d.Name, d.ConstraintDescription)
		}
		return validationf(d.Pos, format, args...)
	}
	if isNumberType(d.Type) {
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err != nil {
			return validationf(d.Pos, "Parameter '%s' must be a number.", d.Name)
		}
	}
	if len(d.AllowedValues) > 0 {
		ok := false
		for _, a := range d.AllowedValues {
			if a == v {
				ok = true
				break
			}
		}
		if !ok {
			return fail("Parameter '%s' must be one of AllowedValues", d.Name)
		}
	}
	if d.AllowedPattern != "" && !isNumberType(d.Type) {
		re, err := regexp.Compile(`^(?:` + d.AllowedPattern + `)$`)
		if err != nil {
			// Java regular expressions that RE2 cannot compile (look-arounds,
			// back-references) are reported rather than silently accepted.
			return validationf(d.Pos, "Parameter '%s' has an AllowedPattern xacct cannot evaluate: %s", d.Name, d.AllowedPattern)
		}
		if !re.MatchString(v) {
			return fail("Parameter '%s' must match pattern %s", d.Name, d.AllowedPattern)
		}
	}
	if !isNumberType(d.Type) {
		n := utf8.RuneCountInString(v)
		if d.MinLength != nil && n < *d.MinLength {
			return fail("Parameter '%s' must contain at least %d characters", d.Name, *d.MinLength)
		}
		if d.MaxLength != nil && n > *d.MaxLength {
			return fail("Parameter '%s' must contain at most %d characters", d.Name, *d.MaxLength)
		}
	} else {
		f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if d.MinValue != nil && f < *d.MinValue {
			return fail("Parameter '%s' must be a number not less than %s", d.Name, formatNumber(*d.MinValue))
		}
		if d.MaxValue != nil && f > *d.MaxValue {
			return fail("Parameter '%s' must be a number not greater than %s", d.Name, formatNumber(*d.MaxValue))
		}
	}
	return nil
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// bindParameters checks the given values against the declarations: every
// given name must be declared, every declaration without a default must
// have a value, and every value must satisfy its constraints.
func bindParameters(decls []ParameterDecl, given map[string]string) (map[string]any, []ParameterValue, error) {
	declared := make(map[string]bool, len(decls))
	for _, d := range decls {
		declared[d.Name] = true
	}
	var unknown []string
	for k := range given {
		if !declared[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sortStrings(unknown)
		return nil, nil, validationf(Pos{}, "Parameters: %s do not exist in the template", javaList(unknown))
	}
	var missing []string
	for _, d := range decls {
		if _, ok := given[d.Name]; !ok && !d.HasDefault {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) > 0 {
		return nil, nil, validationf(Pos{}, "Parameters: %s must have values", javaList(missing))
	}
	values := make(map[string]any, len(decls))
	list := make([]ParameterValue, 0, len(decls))
	for _, d := range decls {
		v, ok := given[d.Name]
		pv := ParameterValue{Key: d.Name, Value: v, NoEcho: d.NoEcho}
		if !ok {
			pv.Value, pv.UsedDefault = d.Default, true
		}
		val, err := d.check(pv.Value)
		if err != nil {
			return nil, nil, err
		}
		values[d.Name] = val
		list = append(list, pv)
	}
	return values, list, nil
}
