package cloudwatch

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/xacct/xacct/emulator/awserr"
)

// Errors in the query codes CloudWatch reports (the awsQueryError codes of
// the modeled errors); the protocol layer maps them to shape names for CBOR
// and JSON.

func invalidValue(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

func missingParam(name string) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "MissingParameter", "The parameter %s is required.", name)
}

func combination(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidParameterCombination", format, args...)
}

func exclusive(a, b string) *awserr.Error {
	return combination("The parameters %s and %s are mutually exclusive and you have specified both.", a, b)
}

func validationError(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusBadRequest, "ValidationError", format, args...)
}

func resourceNotFound(format string, args ...any) *awserr.Error {
	return awserr.New(http.StatusNotFound, "ResourceNotFound", format, args...)
}

func invalidNextToken() *awserr.Error {
	return awserr.New(http.StatusBadRequest, "InvalidNextToken", "The service returned an invalid NextToken.")
}

func tooMany(collection string, max int) *awserr.Error {
	return invalidValue("The collection %s must not have a size greater than %d.", collection, max)
}

func tooLong(param string, max int) *awserr.Error {
	return invalidValue("The parameter %s must be shorter than %d characters.", param, max+1)
}

// units are the StandardUnit values, in the model's order.
var units = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second", "Kilobytes/Second",
	"Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second", "Megabits/Second",
	"Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// statistics are the Statistic values.
var statistics = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// notInSet is the message CloudWatch gives for a value outside an enum:
// "The parameter MetricData.member.1.Unit must be a value in the set [ … ]."
func notInSet(param string, set []string) *awserr.Error {
	return invalidValue("The parameter %s must be a value in the set [ %s ].", param, strings.Join(set, ", "))
}

func checkUnit(param, unit string) error {
	if unit != "" && !oneOf(unit, units) {
		return notInSet(param, units)
	}
	return nil
}

// member is the query-protocol path of a list element ("MetricData.member.1").
func member(list string, i int) string { return list + ".member." + strconv.Itoa(i+1) }

// checkDimensions validates a metric's dimensions (PutMetricData API
// reference: up to 30 dimensions, names 1-255 and values 1-1024 characters).
func checkDimensions(path string, dims []Dimension) error {
	if len(dims) > 30 {
		return tooMany(path, 30)
	}
	seen := make(map[string]bool, len(dims))
	for i, d := range dims {
		p := member(path, i)
		switch {
		case d.Name == "":
			return missingParam(p + ".Name")
		case d.Value == "":
			return missingParam(p + ".Value")
		case len(d.Name) > 255:
			return tooLong(p+".Name", 255)
		case len(d.Value) > 1024:
			return tooLong(p+".Value", 1024)
		case seen[d.Name]:
			return invalidValue("The parameter %s contains the dimension %s more than once.", path, d.Name)
		}
		seen[d.Name] = true
	}
	return nil
}

func checkNamespace(param, ns string, allowAWS bool) error {
	switch {
	case ns == "":
		return missingParam(param)
	case len(ns) > 255:
		return tooLong(param, 255)
	case strings.HasPrefix(ns, ":"):
		return invalidValue("The value %s for parameter %s is invalid.", ns, param)
	case !allowAWS && strings.HasPrefix(ns, "AWS/"):
		return invalidValue("The value AWS/ for parameter %s is invalid.", param)
	}
	return nil
}

func checkMetricName(param, name string) error {
	switch {
	case name == "":
		return missingParam(param)
	case len(name) > 255:
		return tooLong(param, 255)
	}
	return nil
}
