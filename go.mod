module github.com/xacct/xacct

go 1.26
