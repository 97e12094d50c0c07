/**
 * A stand-in for MediaWiki's `mw` object, for the offline demo of the gadget.
 *
 * It implements only what the gadget uses, the way MediaWiki does: mw.config and
 * mw.messages (maps), mw.message/mw.msg ($1 parameters; PLURAL and GENDER as jqueryMsg does for
 * English), mw.loader.using (resolves for
 * known modules, rejects for unknown ones, like a typo in a dependency would on a wiki),
 * mw.util.addPortletLink/getUrl/wikiUrlencode/isIPAddress, mw.hook (with memory) and
 * mw.log. Anything else is missing on purpose: a gadget that needs more fails here too.
 */
( function () {
	'use strict';

	function Map() {
		this.values = {};
	}
	Map.prototype.get = function ( key, fallback ) {
		if ( key === undefined ) {
			return Object.assign( {}, this.values );
		}
		return Object.prototype.hasOwnProperty.call( this.values, key ) ?
			this.values[ key ] : ( fallback === undefined ? null : fallback );
	};
	Map.prototype.set = function ( key, value ) {
		if ( typeof key === 'object' ) {
			Object.assign( this.values, key );
		} else {
			this.values[ key ] = value;
		}
		return true;
	};
	Map.prototype.exists = function ( key ) {
		return Object.prototype.hasOwnProperty.call( this.values, key );
	};

	const messages = new Map();

	function format( text, params ) {
		return text.replace( /\$(\d+)/g, ( match, n ) => {
			const value = params[ Number( n ) - 1 ];
			return value === undefined ? match : String( value );
		} );
	}

	function Message( key, params ) {
		this.key = key;
		this.params = params;
	}
	Message.prototype.exists = function () {
		return messages.exists( this.key );
	};
	Message.prototype.plain = function () {
		return this.exists() ? format( messages.get( this.key ), this.params ) : '⧼' + this.key + '⧽';
	};
	// As mediawiki.jqueryMsg's text() does for English: {{PLURAL:n|one|other}} and
	// {{GENDER:male, female or unknown|he|she|they}} (the last form when one is missing).
	Message.prototype.text = function () {
		return this.plain().replace( /\{\{(PLURAL|GENDER):([^|{}]*)((?:\|[^|{}]*)*)\}\}/g, ( match, kind, value, rest ) => {
			const forms = rest.split( '|' ).slice( 1 );
			const index = kind === 'PLURAL' ?
				( Number( value ) === 1 ? 0 : 1 ) :
				( { male: 0, female: 1 }[ value.trim() ] ?? 2 );
			return forms.length ? forms[ Math.min( index, forms.length - 1 ) ] : '';
		} );
	};
	Message.prototype.escaped = function () {
		const div = document.createElement( 'div' );
		div.textContent = this.text();
		return div.innerHTML;
	};

	const KNOWN_MODULES = [ 'mediawiki.base', 'mediawiki.util', 'mediawiki.jqueryMsg' ];

	const hooks = {};
	function hook( name ) {
		if ( !hooks[ name ] ) {
			const handlers = [];
			let memory = null;
			hooks[ name ] = {
				add: function ( ...fns ) {
					fns.forEach( ( fn ) => {
						handlers.push( fn );
						if ( memory ) {
							fn( ...memory );
						}
					} );
					return this;
				},
				remove: function ( fn ) {
					const index = handlers.indexOf( fn );
					if ( index !== -1 ) {
						handlers.splice( index, 1 );
					}
					return this;
				},
				fire: function ( ...args ) {
					memory = args;
					handlers.slice().forEach( ( fn ) => fn( ...args ) );
					return this;
				}
			};
		}
		return hooks[ name ];
	}

	function wikiUrlencode( title ) {
		return encodeURIComponent( String( title ) )
			.replace( /'/g, '%27' )
			.replace( /%20/g, '_' )
			.replace( /%3B/g, ';' )
			.replace( /%40/g, '@' )
			.replace( /%24/g, '$' )
			.replace( /%2C/g, ',' )
			.replace( /%2F/g, '/' )
			.replace( /%3A/g, ':' );
	}

	const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/\d{1,2})?$/;
	const IPV6 = /^[0-9a-f]*:[0-9a-f:]*(\/\d{1,3})?$/i;

	/** Like MediaWiki's: adds <li id><a href title>text</a></li> to a portlet's list. */
	function addPortletLink( portletId, href, text, id, tooltip, accesskey, nextnode ) {
		const portlet = document.getElementById( portletId );
		const list = portlet && portlet.querySelector( 'ul' );
		if ( !list ) {
			return null;
		}
		const link = document.createElement( 'a' );
		link.href = href;
		const label = document.createElement( 'span' );
		label.textContent = text;
		link.append( label );
		if ( tooltip ) {
			link.title = tooltip;
		}
		if ( accesskey ) {
			link.accessKey = accesskey;
		}
		const item = document.createElement( 'li' );
		item.className = 'mw-list-item';
		if ( id ) {
			item.id = id;
		}
		item.append( link );
		const before = typeof nextnode === 'string' ? list.querySelector( nextnode ) : nextnode;
		list.insertBefore( item, before && before.parentNode === list ? before : null );
		hook( 'util.addPortletLink' ).fire( item, { id: id } );
		return item;
	}

	const mw = {
		config: new Map(),
		messages: messages,
		message: ( key, ...params ) => new Message( key, params ),
		msg: ( key, ...params ) => new Message( key, params ).text(),
		hook: hook,
		log: Object.assign( ( ...args ) => console.log( ...args ), {
			warn: ( ...args ) => console.warn( ...args ),
			error: ( ...args ) => console.error( ...args )
		} ),
		loader: {
			using: function ( modules ) {
				const unknown = [].concat( modules ).filter( ( name ) => !KNOWN_MODULES.includes( name ) );
				return unknown.length ?
					Promise.reject( new Error( 'Unknown dependency: ' + unknown.join( ', ' ) ) ) :
					Promise.resolve();
			}
		},
		util: {
			addPortletLink: addPortletLink,
			wikiUrlencode: wikiUrlencode,
			getUrl: function ( title ) {
				return mw.config.get( 'wgArticlePath' ).replace( '$1', wikiUrlencode( title ) );
			},
			isIPAddress: function ( address, allowBlock ) {
				const text = String( address || '' ).trim();
				if ( !allowBlock && text.includes( '/' ) ) {
					return false;
				}
				return IPV4.test( text ) || IPV6.test( text );
			}
		}
	};

	window.mw = window.mediaWiki = mw;
}() );
