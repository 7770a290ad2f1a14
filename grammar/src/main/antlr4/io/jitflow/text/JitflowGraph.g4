/*
 * The Jitflow graph text format (.jfg): a version header, metadata, variables and functions.
 *
 *   jitflow 1 opset 1
 *   metadata "keras.model" = "{\"class_name\": \"Sequential\", ...}"
 *   variable @W : float32[3, 2] trainable = dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]>
 *   func @predict(%x : float32[batch, 3]) -> (y : float32[batch, 2]) {
 *     %w = read_variable() {name = "W"} : float32[3, 2]
 *     %0 = matmul(%x, %w) : float32[batch, 2]
 *     return %0
 *   }
 *
 * Control-flow ops carry regions in parentheses after their attributes, each a named function body:
 *   %r = cond(%p, %x) (then(%a : float32[]) -> (y : float32[]) { ... }, else(...) -> (...) { ... }) : float32[]
 *
 * Only syntax lives here; names, types and attributes are checked when the graph is built.
 */
grammar JitflowGraph;

graphFile
    : header metadataDecl* (variableDecl | functionDecl)* EOF
    ;

metadataDecl
    : 'metadata' key=STRING '=' value=STRING
    ;

header
    : 'jitflow' format=INT 'opset' opset=INT
    ;

variableDecl
    : 'variable' GLOBAL_ID ':' tensorType trainable='trainable'? '=' tensorLiteral
    ;

functionDecl
    : 'func' GLOBAL_ID functionBody
    ;

// A function's signature and nodes; a region (a nested function of a control-flow op) has the same.
functionBody
    : '(' (parameter (',' parameter)*)? ')'
      '->' '(' (result (',' result)*)? ')'
      '{' statement* returnStatement '}'
    ;

// The regions of a control-flow op, e.g. cond's: ( then(%x : float32[]) -> (y : float32[]) {...}, else(...) ... )
regionList
    : '(' region (',' region)* ')'
    ;

region
    : ident functionBody
    ;

parameter
    : LOCAL_ID ':' tensorType
    ;

result
    : ident ':' tensorType
    ;

statement
    : (results+=LOCAL_ID (',' results+=LOCAL_ID)* '=')? op=ident
      '(' (operands+=LOCAL_ID (',' operands+=LOCAL_ID)*)? ')'
      attributeDict? regionList? (':' types+=tensorType (',' types+=tensorType)*)?
    ;

returnStatement
    : 'return' (LOCAL_ID (',' LOCAL_ID)*)?
    ;

attributeDict
    : '{' (attribute (',' attribute)*)? '}'
    ;

attribute
    : ident '=' attributeValue
    ;

attributeValue
    : 'true'                                       # trueValue
    | 'false'                                      # falseValue
    | number                                       # numberValue
    | STRING                                       # stringValue
    | ident                                        # identValue
    | '[' (attributeValue (',' attributeValue)*)? ']'   # listValue
    | tensorLiteral ':' tensorType                 # tensorValue
    ;

tensorLiteral
    : 'dense' '<' element '>'                      # denseLiteral
    | 'external' '<' STRING (',' fields+=ident '=' values+=externalField)* '>'    # externalLiteral
    ;

externalField
    : INT
    | HEX
    ;

element
    : '[' (element (',' element)*)? ']'
    | scalar
    ;

scalar
    : number
    | 'true'
    | 'false'
    ;

number
    : INT
    | FLOAT
    | HEX
    | 'inf'
    | '-inf'
    | 'nan'
    ;

tensorType
    : ident '[' (dim (',' dim)*)? ']'
    ;

dim
    : INT
    | ident
    ;

// Keywords may also serve as names where a name is expected.
ident
    : IDENT | 'jitflow' | 'opset' | 'variable' | 'trainable' | 'func' | 'dense' | 'external' | 'inf' | 'nan' | 'metadata'
    ;

HEX       : '0x' [0-9a-fA-F]+ ;
FLOAT     : '-'? DIGITS '.' DIGITS? EXPONENT? | '-'? DIGITS EXPONENT ;
INT       : '-'? DIGITS ;
STRING    : '"' (~["\\\r\n] | '\\' ["\\nrt])* '"' ;
GLOBAL_ID : '@' NAME_CHAR+ ;
LOCAL_ID  : '%' NAME_CHAR+ ;
IDENT     : [a-zA-Z_] [a-zA-Z0-9_]* ;
COMMENT   : '#' ~[\r\n]* -> skip ;
WS        : [ \t\r\n]+ -> skip ;
// Anything else is one bad character, so the parser reports it where it stands.
ERROR_CHAR : . ;

fragment DIGITS    : [0-9]+ ;
fragment EXPONENT  : [eE] [+-]? DIGITS ;
fragment NAME_CHAR : [a-zA-Z0-9_./] ;
