// Parses scripts as MediaWiki 1.39's ResourceLoader validates gadgets: ECMAScript 5, as a
// script (not a module). Prints "file:line:column: message" and exits 1 on the first error.
// Usage: node check.js FILE...   or   node check.js - < FILE
'use strict';
const fs = require( 'fs' );
const acorn = require( 'acorn' );

let failed = false;
for ( const file of process.argv.slice( 2 ) ) {
	const source = fs.readFileSync( file === '-' ? 0 : file, 'utf8' );
	try {
		acorn.parse( source, { ecmaVersion: 5, sourceType: 'script' } );
	} catch ( error ) {
		const where = error.loc ? error.loc.line + ':' + ( error.loc.column + 1 ) : '?';
		console.log( file + ':' + where + ': ' + error.message );
		failed = true;
	}
}
process.exit( failed ? 1 : 0 );
